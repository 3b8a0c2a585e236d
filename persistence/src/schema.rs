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
        status_reason -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamp>,
        password_changed_at -> Nullable<Timestamp>,
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
        secret_rotated_at -> Nullable<Timestamp>,
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
        region -> Nullable<Text>,
        region_key -> Nullable<Text>,
        availability_target -> Nullable<Double>,
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
        escalation_level -> Integer,
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        incident_id -> BigInt,
        ticket_number -> BigInt,
        customer_number -> Text,
        name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        description -> Nullable<Text>,
        visibility -> Text,
        author -> Text,
        source -> Text,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
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
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        status_detail -> Nullable<Text>,
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
        document_attachment_id -> Nullable<BigInt>,
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

diesel::table! {
    escalation_levels (level) {
        level -> Integer,
        title -> Text,
        phone -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    escalations (id) {
        id -> BigInt,
        incident_id -> BigInt,
        level -> Integer,
        reason -> Text,
        escalated_by_name -> Text,
        escalated_by_job_title -> Text,
        escalated_by_phone -> Text,
        requested_by -> Text,
        contact_title -> Text,
        contact_phone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    major_incidents (id) {
        id -> BigInt,
        ticket_number -> BigInt,
        summary -> Text,
        description -> Text,
        severity -> Text,
        region -> Nullable<Text>,
        started_at -> Timestamp,
        status -> Text,
        incident_manager_email -> Nullable<Text>,
        raised_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolution -> Nullable<Text>,
        version -> BigInt,
        next_update_by -> Nullable<Timestamp>,
        estimated_restoration_at -> Nullable<Timestamp>,
        region_key -> Nullable<Text>,
    }
}

diesel::table! {
    major_incident_services (major_incident_id, service_id) {
        major_incident_id -> BigInt,
        service_id -> Text,
    }
}

diesel::table! {
    major_incident_updates (id) {
        id -> BigInt,
        major_incident_id -> BigInt,
        author -> Text,
        text -> Text,
        created_at -> Timestamp,
        next_update_by -> Nullable<Timestamp>,
        estimated_restoration_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        event_type -> Text,
        customer_number -> Nullable<Text>,
        ticket_number -> Nullable<BigInt>,
        payload -> Text,
        created_at -> Timestamp,
        dispatched_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        customer_number -> Text,
        name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        notify_incident_updates -> Bool,
        notify_major_incidents -> Bool,
        notify_planned_works -> Bool,
        notify_escalations -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        confirmed_at -> Nullable<Timestamp>,
        notify_service_reports -> Bool,
    }
}

diesel::table! {
    service_report_runs (customer_number, month) {
        customer_number -> Text,
        month -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        customer_number -> Nullable<Text>,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        format -> Text,
        query -> Nullable<Text>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        event_id -> BigInt,
        channel -> Text,
        recipient -> Text,
        subscription_id -> Nullable<BigInt>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        succeeded -> Bool,
        response_status -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    login_failures (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    help_articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        body -> Text,
        tags -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> BigInt,
        subject -> Text,
        label -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        last_fetched_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(deliveries -> events (event_id));
diesel::joinable!(delivery_attempts -> deliveries (delivery_id));

diesel::table! {
    planned_works (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        start_at -> Timestamp,
        end_at -> Timestamp,
        expected_impact -> Text,
        outage_minutes -> Nullable<Integer>,
        emergency -> Bool,
        emergency_justification -> Nullable<Text>,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sequence -> Integer,
        version -> BigInt,
        reminded_for -> Nullable<Timestamp>,
    }
}

diesel::table! {
    planned_work_services (planned_work_id, service_id) {
        planned_work_id -> BigInt,
        service_id -> Text,
    }
}

diesel::table! {
    maintenance_requests (id) {
        id -> BigInt,
        customer_number -> Text,
        service_id -> Text,
        start_at -> Timestamp,
        end_at -> Timestamp,
        description -> Text,
        owner_name -> Text,
        owner_email -> Text,
        owner_phone -> Text,
        status -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::joinable!(planned_work_services -> planned_works (planned_work_id));
diesel::joinable!(escalations -> incidents (incident_id));
diesel::joinable!(major_incident_services -> major_incidents (major_incident_id));
diesel::joinable!(major_incident_updates -> major_incidents (major_incident_id));
diesel::joinable!(incident_updates -> incidents (incident_id));
diesel::joinable!(attachments -> incidents (incident_id));
diesel::joinable!(document_requests -> attachments (document_attachment_id));
diesel::joinable!(document_requests -> incidents (incident_id));

diesel::allow_tables_to_appear_in_same_query!(
    attachments,
    customers,
    users,
    api_clients,
    services,
    incidents,
    incident_updates,
    document_requests,
    idempotency_keys,
    escalation_levels,
    escalations,
    major_incidents,
    major_incident_services,
    major_incident_updates,
    events,
    planned_works,
    planned_work_services,
    maintenance_requests,
    contacts,
    webhook_subscriptions,
    deliveries,
    delivery_attempts,
    login_failures,
    help_articles,
    calendar_feeds,
    service_report_runs,
);
