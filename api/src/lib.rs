//! Service Assurance API: actix-web application, OpenAPI contract and start-up tasks.
//!
//! [`create_app`] builds the whole application for `main` and for the tests alike;
//! [`openapi`] returns the contract generated from the same route table.

pub mod accounts;
pub mod auth;
pub mod bootstrap;
pub mod config;
pub mod contacts;
pub mod customers;
pub mod demo;
pub mod dispatch;
pub mod documents;
pub mod error;
pub mod escalations;
pub mod etag;
pub mod events;
pub mod health;
pub mod help;
pub mod idempotency;
pub mod incidents;
pub mod jobs;
pub mod maintenance;
pub mod major_incidents;
pub mod metrics;
pub mod nul;
pub mod openapi;
pub mod pagination;
pub mod planned_works;
pub mod rate_limit;
pub mod registrations;
pub mod schemas;
pub mod services;
pub mod state;
pub mod tmf621;
pub mod unrouted;
pub mod validation;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, service_config::ServiceConfig, AppExt};
use utoipa_swagger_ui::SwaggerUi;

pub use state::AppState;

/// Largest JSON body accepted (the longest field, a description, is 10 000 characters).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// Every documented route. Handlers are registered with `.service(..)` so utoipa-actix-web
/// records each one in the contract.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(metrics::metrics)
        .service(
            scope::scope("/api/v1")
                .service(auth::token::issue_token)
                .service(auth::me::me)
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
                .service(registrations::list_registrations)
                .service(registrations::approve_registration)
                .service(registrations::reject_registration)
                .service(help::search_articles)
                .service(help::get_article)
                .service(help::create_article)
                .service(help::update_article)
                .service(services::create_service)
                .service(services::list_services)
                .service(services::get_service)
                .service(services::update_service)
                .service(incidents::raise_incident)
                .service(incidents::list_incidents)
                .service(incidents::get_incident)
                .service(incidents::update_incident)
                .service(incidents::transition_incident)
                .service(incidents::close_incident)
                .service(incidents::reopen_incident)
                .service(incidents::list_updates)
                .service(incidents::post_update)
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
                .service(major_incidents::link_child)
                .service(major_incidents::unlink_child)
                .service(major_incidents::list_children)
                .service(planned_works::create_planned_work)
                .service(planned_works::list_planned_works)
                .service(planned_works::planned_works_ics)
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
                .service(webhooks::create_webhook)
                .service(webhooks::list_webhooks)
                .service(webhooks::delete_webhook)
                .service(webhooks::list_deliveries)
                .service(webhooks::redeliver)
                .service(events::stream_events),
        )
        .service(
            scope::scope("/tmf-api/troubleTicket/v4")
                .service(tmf621::list_trouble_tickets)
                .service(tmf621::create_trouble_ticket)
                .service(tmf621::get_trouble_ticket)
                .service(tmf621::patch_trouble_ticket)
                .service(tmf621::register_listener)
                .service(tmf621::unregister_listener),
        );
}

/// CORS for the portal's origins (`CORS_ALLOWED_ORIGINS`); none configured = no cross-origin
/// access.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::IF_MATCH,
            actix_web::http::header::HeaderName::from_static("idempotency-key"),
            actix_web::http::header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers(["ETag", "Location", "Retry-After", "Idempotent-Replayed"])
        .max_age(3600)
        // A foreign origin gets no CORS headers (the browser then blocks it); same-origin callers
        // such as Swagger UI, which send `Origin` on POST, are not refused by the server.
        .block_on_origin_mismatch(false);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The OpenAPI contract, as generated from the route table.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::complete(api)
}

/// The whole application: routes, Swagger UI, problem+json for every error, request logging.
pub fn create_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors_origins = state.settings.cors_origins.clone();
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(
            web::JsonConfig::default()
                .limit(JSON_BODY_LIMIT)
                .error_handler(error::json_error_handler),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
        .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
        .configure(routes)
        .split_for_parts();
    app.service(
        SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", openapi::complete(api)),
    )
    .default_service(web::to(unrouted::unrouted))
    .wrap(middleware::from_fn(idempotency::layer))
    .wrap(middleware::from_fn(nul::layer))
    .wrap(middleware::from_fn(rate_limit::layer))
    .wrap(middleware::from_fn(metrics::record))
    .wrap(cors(&cors_origins))
    .wrap(middleware::Logger::new("%r %s %b %Dms"))
}
