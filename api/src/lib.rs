//! Service Assurance API: the HTTP face of the use cases (`app`), its OpenAPI contract, and the
//! instance's background workers.
//!
//! [`create_app`] builds the whole application for `main` and for the tests alike;
//! [`openapi`] returns the contract generated from the same route table.

pub mod config;
pub mod http;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod workers;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App, HttpResponse};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use http::middleware::{dialect, headers, idempotency, metrics, nul, rate_limit, unrouted};

pub use state::AppState;

/// Largest JSON body accepted (the longest field, a description, is 10 000 characters).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

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

/// Every write an instance makes as it starts, in order: the migrations (applied by
/// [`app::Store::open`] under PostgreSQL's advisory lock), the bootstrap admin when one is
/// configured, and the starter help articles on a fresh installation. Safe when several
/// instances start at once on one database: each step tolerates another instance doing it too.
pub fn start_up(
    database_url: &str,
    pool: &app::PoolOptions,
    bootstrap_admin: Option<(&str, &str)>,
) -> Result<app::Store, String> {
    let store = app::Store::open(database_url, pool).map_err(|e| e.to_string())?;
    log::info!("database ready ({})", store.backend_name());
    if let Some((email, password)) = bootstrap_admin {
        if app::setup::ensure_admin(&store, email, password, app::now())
            .map_err(|e| e.to_string())?
        {
            log::info!("bootstrap admin {email} created");
        }
    }
    match app::help::seed_starter_set(&store, app::now()) {
        Ok(0) => {}
        Ok(n) => log::info!("loaded {n} starter help articles"),
        Err(e) => return Err(format!("cannot load the help articles: {e}")),
    }
    Ok(store)
}

/// The OpenAPI contract, as generated from the route table.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes::routes)
        .split_for_parts();
    openapi::complete(api)
}

/// How Swagger UI behaves for a person exploring the API: nothing is sent to an outside
/// validator (`validatorUrl: none`: the page calls no other host), the token survives a reload
/// (`persistAuthorization`), "Try it out" is on, durations are shown, and the OAuth 2.0 password
/// flow of Authorize signs in against our own token operation (no client id or secret needed).
fn swagger_ui_config() -> utoipa_swagger_ui::Config<'static> {
    utoipa_swagger_ui::Config::default()
        .validator_url("none")
        .persist_authorization(true)
        .try_it_out_enabled(true)
        .display_request_duration(true)
        .filter(true)
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
        .app_data(web::Data::from(state.auth.clone()))
        .app_data(web::Data::from(state.metrics.clone()))
        .app_data(web::Data::from(state.limiter.clone()))
        .app_data(web::Data::new(state))
        .app_data(
            web::JsonConfig::default()
                .limit(JSON_BODY_LIMIT)
                .error_handler(http::error::json_error_handler),
        )
        .app_data(web::QueryConfig::default().error_handler(http::error::query_error_handler))
        .app_data(web::PathConfig::default().error_handler(http::error::path_error_handler))
        .configure(routes::routes)
        .split_for_parts();
    app.service(
        SwaggerUi::new("/swagger-ui/{_:.*}")
            .url("/api-docs/openapi.json", openapi::complete(api))
            .config(swagger_ui_config()),
    )
    .route(
        "/swagger-ui",
        web::get().to(|| async {
            HttpResponse::MovedPermanently()
                .insert_header(("Location", "/swagger-ui/"))
                .finish()
        }),
    )
    .default_service(web::to(unrouted::unrouted))
    .wrap(middleware::from_fn(idempotency::layer))
    .wrap(middleware::from_fn(nul::layer))
    .wrap(middleware::from_fn(rate_limit::layer))
    .wrap(middleware::from_fn(http::caller::authenticate))
    .wrap(middleware::from_fn(dialect::layer))
    .wrap(middleware::from_fn(metrics::record))
    .wrap(cors(&cors_origins))
    .wrap(middleware::from_fn(headers::layer))
    .wrap(middleware::Logger::new("%r %s %b %Dms"))
}
