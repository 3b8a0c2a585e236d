//! The route table: every documented operation, by resource. Handlers are registered with
//! `.service(..)` so utoipa-actix-web records each one in the contract.

pub mod accounts;
pub mod attachments;
pub mod auth;
pub mod calendar_feeds;
pub mod contacts;
pub mod customers;
pub mod documents;
pub mod escalations;
pub mod events;
pub mod health;
pub mod help;
pub mod incidents;
pub mod maintenance;
pub mod major_incidents;
pub mod planned_works;
pub mod registrations;
pub mod reports;
pub mod services;
pub mod sonata;
pub mod tmf621;
pub mod webhooks;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Every documented route. Handlers are registered with `.service(..)` so utoipa-actix-web
/// records each one in the contract.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .service(auth::token::issue_token)
                .service(auth::me::me)
                .service(auth::password::request_password_reset)
                .service(auth::password::confirm_password_reset)
                .service(auth::password::change_password)
                .service(customers::create_customer)
                .service(customers::list_customers)
                .service(customers::get_customer)
                .service(accounts::create_user)
                .service(accounts::list_users)
                .service(accounts::update_user)
                .service(accounts::create_api_client)
                .service(accounts::list_api_clients)
                .service(accounts::revoke_api_client)
                .service(accounts::rotate_client_secret)
                .service(registrations::register)
                .service(registrations::verify_registration_email)
                .service(registrations::list_registrations)
                .service(registrations::approve_registration)
                .service(registrations::reject_registration)
                .service(help::search_articles)
                .service(help::get_article)
                .service(help::create_article)
                .service(help::update_article)
                .service(services::create_service)
                .service(services::list_services)
                .service(services::get_service_status)
                .service(services::get_service)
                .service(services::update_service)
                .service(incidents::raise_incident)
                .service(incidents::list_incidents)
                .service(incidents::export_incidents)
                .service(reports::sla_report)
                .service(incidents::get_incident)
                .service(incidents::update_incident)
                .service(incidents::transition_incident)
                .service(incidents::close_incident)
                .service(incidents::reopen_incident)
                .service(incidents::list_updates)
                .service(incidents::post_update)
                .service(attachments::upload_attachment)
                .service(attachments::list_attachments)
                .service(attachments::get_attachment)
                .service(attachments::download_attachment)
                .service(attachments::remove_attachment)
                .service(documents::request_rfo)
                .service(documents::list_rfo_requests)
                .service(documents::request_incident_report)
                .service(documents::list_incident_report_requests)
                .service(documents::list_document_requests)
                .service(documents::get_document_request)
                .service(documents::start_document)
                .service(documents::deliver_document)
                .service(documents::reject_document)
                .service(escalations::get_matrix)
                .service(escalations::replace_matrix)
                .service(escalations::escalate)
                .service(escalations::list_escalations)
                .service(major_incidents::raise_major_incident)
                .service(major_incidents::list_major_incidents)
                .service(major_incidents::get_major_incident)
                .service(major_incidents::update_major_incident)
                .service(major_incidents::post_major_update)
                .service(major_incidents::list_major_updates)
                .service(major_incidents::resolve_major_incident)
                .service(major_incidents::add_affected_services)
                .service(major_incidents::remove_affected_service)
                .service(major_incidents::link_child)
                .service(major_incidents::unlink_child)
                .service(major_incidents::list_children)
                .service(planned_works::create_planned_work)
                .service(planned_works::list_planned_works)
                .service(planned_works::planned_works_ics)
                .service(calendar_feeds::create_calendar_feed)
                .service(calendar_feeds::list_calendar_feeds)
                .service(calendar_feeds::rotate_calendar_feed)
                .service(calendar_feeds::revoke_calendar_feed)
                .service(calendar_feeds::calendar_feed)
                .service(planned_works::get_planned_work)
                .service(planned_works::update_planned_work)
                .service(planned_works::schedule_planned_work)
                .service(planned_works::start_planned_work)
                .service(planned_works::complete_planned_work)
                .service(planned_works::cancel_planned_work)
                .service(maintenance::submit_maintenance_request)
                .service(maintenance::list_maintenance_requests)
                .service(maintenance::get_maintenance_request)
                .service(maintenance::acknowledge_maintenance_request)
                .service(maintenance::accept_maintenance_request)
                .service(maintenance::reject_maintenance_request)
                .service(maintenance::withdraw_maintenance_request)
                .service(maintenance::working_calendar)
                .service(contacts::create_contact)
                .service(contacts::list_contacts)
                .service(contacts::get_contact)
                .service(contacts::update_contact)
                .service(contacts::delete_contact)
                .service(contacts::resend_confirmation)
                .service(contacts::confirm_contact)
                .service(webhooks::create_webhook)
                .service(webhooks::list_webhooks)
                .service(webhooks::delete_webhook)
                .service(webhooks::list_deliveries)
                .service(webhooks::redeliver)
                .service(events::stream_events),
        )
        .service(
            scope::scope("/tmf-api/troubleTicket/v4")
                .service(tmf621::v4::list_trouble_tickets)
                .service(tmf621::v4::create_trouble_ticket)
                .service(tmf621::v4::get_trouble_ticket)
                .service(tmf621::v4::patch_trouble_ticket)
                .service(tmf621::v4::delete_trouble_ticket)
                .service(tmf621::v4::register_listener)
                .service(tmf621::v4::unregister_listener),
        )
        .service(
            scope::scope("/tmf-api/troubleTicket/v5")
                .service(tmf621::v5::list_trouble_tickets)
                .service(tmf621::v5::create_trouble_ticket)
                .service(tmf621::v5::get_trouble_ticket)
                .service(tmf621::v5::patch_trouble_ticket)
                .service(tmf621::v5::delete_trouble_ticket)
                .service(tmf621::v5::register_listener)
                .service(tmf621::v5::get_listener)
                .service(tmf621::v5::unregister_listener),
        )
        .service(
            scope::scope("/mefApi/sonata/troubleTicket/v4")
                .service(sonata::list_trouble_tickets)
                .service(sonata::create_trouble_ticket)
                .service(sonata::get_trouble_ticket)
                .service(sonata::patch_trouble_ticket)
                .service(sonata::cancel_trouble_ticket)
                .service(sonata::close_trouble_ticket)
                .service(sonata::reopen_trouble_ticket)
                .service(sonata::list_incidents)
                .service(sonata::get_incident)
                .service(sonata::register_listener)
                .service(sonata::get_listener)
                .service(sonata::unregister_listener),
        );
}
