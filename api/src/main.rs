//! `service-assurance`: the one binary. `serve` (default) runs the API, `openapi` prints the
//! contract as YAML, `demo` loads demo data.

use std::process::ExitCode;

use actix_web::HttpServer;
use api::auth::jwt::TokenService;
use api::config::Config;
use api::{create_app, AppState};
use persistence::Database;

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
    let yaml = api::openapi().to_yaml().map_err(|e| e.to_string())?;
    print!("{yaml}");
    Ok(())
}

fn open_database(config: &Config) -> Result<Database, String> {
    let db = Database::open(&config.database_url, &config.pool).map_err(|e| e.to_string())?;
    log::info!("database ready ({})", db.backend().name());
    Ok(db)
}

fn load_demo() -> Result<(), String> {
    let config = Config::from_env()?;
    let db = open_database(&config)?;
    if api::demo::load(&db)? {
        println!(
            "Demo data loaded. Every demo account's password is {}:",
            api::demo::DEMO_PASSWORD
        );
    } else {
        println!(
            "Demo data was already loaded. Logins (password {}):",
            api::demo::DEMO_PASSWORD
        );
    }
    for (email, role, customer) in api::demo::DEMO_USERS {
        println!("  {email:<32} {role:<16} {}", customer.unwrap_or("-"));
    }
    Ok(())
}

fn serve() -> Result<(), String> {
    let config = Config::from_env()?;
    let db = open_database(&config)?;
    if let Some((email, password)) = &config.bootstrap_admin {
        if api::bootstrap::ensure_admin(&db, email, password)? {
            log::info!("bootstrap admin {email} created");
        }
    }
    match api::help::seed_starter_set(&db) {
        Ok(0) => {}
        Ok(n) => log::info!("loaded {n} starter help articles"),
        Err(e) => return Err(format!("cannot load the help articles: {e}")),
    }
    let state = AppState::new(db, TokenService::new(&config.jwt), config.service.clone());
    api::jobs::spawn(state.clone()).map_err(|e| format!("cannot start background jobs: {e}"))?;
    let dispatcher = api::dispatch::spawn(state.clone())
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
    api::dispatch::stop();
    if dispatcher.join().is_err() {
        log::warn!("the outbox dispatcher ended with a panic");
    }
    served
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
