//! The one hand-written, portable diesel schema shared by SQLite and PostgreSQL.
//!
//! Only portable types: TEXT for enums and identifiers, BIGINT ids, TIMESTAMP holding UTC,
//! DATE. Backend-only objects (the PostgreSQL ticket sequence, the SQLite ticket counter) are
//! reached through the small functions in `backend.rs`.

diesel::table! {
    customers (id) {
        id -> BigInt,
        customer_number -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        customer_number -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        role -> Text,
        customer_number -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        service_id -> Text,
        circuit_reference -> Text,
        order_number -> Text,
        customer_number -> Text,
        product -> Text,
        label -> Text,
        status -> Text,
        handover_date -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    incidents (id) {
        id -> BigInt,
        ticket_number -> BigInt,
        customer_number -> Text,
        service_id -> Text,
        summary -> Text,
        description -> Text,
        impact -> Text,
        priority -> Text,
        status -> Text,
        reporter_name -> Text,
        reporter_email -> Text,
        reporter_phone -> Text,
        raised_by -> Text,
        logged_at -> Timestamp,
        updated_at -> Timestamp,
        assignee_email -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        resolution_cause -> Nullable<Text>,
        resolution_fix -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        close_reason -> Nullable<Text>,
        parent_ticket_number -> Nullable<BigInt>,
        responded_at -> Nullable<Timestamp>,
        sla_pauses -> Text,
        sla_stopped_at -> Nullable<Timestamp>,
        response_due_at -> Timestamp,
        restore_due_at -> Timestamp,
        at_risk_from -> Timestamp,
        sla_halted_since -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    incident_updates (id) {
        id -> BigInt,
        incident_id -> BigInt,
        kind -> Text,
        visibility -> Text,
        author -> Text,
        text -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_requests (id) {
        id -> BigInt,
        incident_id -> BigInt,
        ticket_number -> BigInt,
        customer_number -> Text,
        kind -> Text,
        status -> Text,
        note -> Nullable<Text>,
        requested_by -> Text,
        requested_at -> Timestamp,
        updated_at -> Timestamp,
        document_text -> Nullable<Text>,
        document_url -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (key_hash) {
        key_hash -> Text,
        request_hash -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(incident_updates -> incidents (incident_id));
diesel::joinable!(document_requests -> incidents (incident_id));

diesel::allow_tables_to_appear_in_same_query!(
    customers,
    users,
    api_clients,
    services,
    incidents,
    incident_updates,
    document_requests,
    idempotency_keys,
);
