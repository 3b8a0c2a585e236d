//! `service-assurance`: the one binary. `serve` (default) runs the API, `openapi` prints the
//! contract as YAML, `demo` loads demo data.

use std::process::ExitCode;

use actix_web::HttpServer;
use api::config::Config;
use api::http::jwt::TokenService;
use api::{create_app, workers, AppState};
use app::{setup, Store};

const USAGE: &str = "usage: service-assurance [serve | openapi | demo | help]

  serve    run the HTTP API (default)
  openapi  print the OpenAPI contract (YAML) to stdout
  demo     load demo customers, users, services and incidents into the database

Configuration is read from the environment; see README.md.";

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let outcome = match command.as_str() {
        "serve" => serve(),
        "openapi" => print_openapi(),
        "demo" => load_demo(),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_openapi() -> Result<(), String> {
    let yaml = api::openapi::to_yaml(&api::openapi())?;
    print!("{yaml}");
    Ok(())
}

fn open_store(config: &Config) -> Result<Store, String> {
    let store = Store::open(&config.database_url, &config.pool).map_err(|e| e.to_string())?;
    log::info!("database ready ({})", store.backend_name());
    Ok(store)
}

fn load_demo() -> Result<(), String> {
    let config = Config::from_env()?;
    let store = open_store(&config)?;
    let ctx = config
        .service
        .ctx(TokenService::new(&config.jwt).link_key());
    if setup::load_demo(&store, &ctx, app::now()).map_err(|e| e.to_string())? {
        println!(
            "Demo data loaded. Every demo account's password is {}:",
            setup::DEMO_PASSWORD
        );
    } else {
        println!(
            "Demo data was already loaded. Logins (password {}):",
            setup::DEMO_PASSWORD
        );
    }
    for (email, role, customer) in setup::DEMO_USERS {
        println!("  {email:<32} {role:<16} {}", customer.unwrap_or("-"));
    }
    Ok(())
}

fn serve() -> Result<(), String> {
    let config = Config::from_env()?;
    let store = api::start_up(
        &config.database_url,
        &config.pool,
        config
            .bootstrap_admin
            .as_ref()
            .map(|(email, password)| (email.as_str(), password.as_str())),
    )?;
    warn_if_the_calendar_runs_out(&config.service.calendar);
    if config.service.notify.webhook_allow_private {
        log::warn!(
            "WEBHOOK_ALLOW_PRIVATE=true: webhooks may reach loopback and private addresses of this \
             network — a customer admin can make this server call internal services. Tests only."
        );
    }
    let state = AppState::new(
        store,
        TokenService::new(&config.jwt),
        config.service.clone(),
    );
    workers::jobs::spawn(state.clone())
        .map_err(|e| format!("cannot start background jobs: {e}"))?;
    workers::sweep::spawn(state.clone())
        .map_err(|e| format!("cannot start the attachment sweep: {e}"))?;
    let dispatcher = workers::dispatch::spawn(state.clone())
        .map_err(|e| format!("cannot start the outbox dispatcher: {e}"))?;
    let bind = config.bind_addr.clone();
    let workers = config.workers;
    let grace = config.shutdown_grace;
    let draining = state.draining.clone();
    // SIGTERM/SIGINT: readiness turns 503 at once; after the grace period the server stops
    // accepting, lets the requests in flight finish (up to 10 s) and returns; the dispatcher then
    // finishes the delivery in hand and gives back the rest.
    let served = actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || create_app(state.clone()))
            .shutdown_timeout(10)
            .disable_signals()
            .bind(&bind)
            .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        if let Some(n) = workers.filter(|n| *n > 0) {
            server = server.workers(n);
        }
        log::info!("listening on http://{bind} — Swagger UI at http://{bind}/swagger-ui/");
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            stop_requested().await;
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            log::info!("stop requested: draining for {} s", grace.as_secs());
            actix_web::rt::time::sleep(grace).await;
            handle.stop(true).await;
        });
        server.await.map_err(|e| e.to_string())
    });
    log::info!("HTTP server stopped; stopping the outbox dispatcher");
    workers::dispatch::stop();
    if dispatcher.join().is_err() {
        log::warn!("the outbox dispatcher ended with a panic");
    }
    served
}

/// Notice periods counted in working days skip public holidays only as far as the calendar lists
/// them: say so loudly at start when it ends within the next half year.
fn warn_if_the_calendar_runs_out(calendar: &domain::WorkingCalendar) {
    let horizon = app::now().date_naive() + chrono::Duration::days(183);
    match calendar.known_until() {
        Some(last) if last >= horizon => {}
        last => log::warn!(
            "the working calendar lists no public holiday after {}: set PUBLIC_HOLIDAYS_FILE \
             (or PUBLIC_HOLIDAYS) to a calendar covering the coming year",
            last.map_or_else(|| "today".to_owned(), |d| d.to_string())
        ),
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn stop_requested() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                let term = Box::pin(term.recv());
                let int = Box::pin(actix_web::rt::signal::ctrl_c());
                futures_util::future::select(term, int).await;
            }
            Err(_) => {
                let _ = actix_web::rt::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = actix_web::rt::signal::ctrl_c().await;
    }
}
