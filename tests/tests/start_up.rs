//! Issue 24, item 14: instances started together on one fresh database all start and serve.
//! Every start-up write (migrations, the bootstrap admin, the starter help articles) must be safe
//! when N nodes do it at once; before, two nodes seeding the help articles by count-then-insert
//! made one of them exit in 6 of 9 trials.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use actix_web::test::{call_service, init_service, TestRequest};
use api::config::JwtConfig;
use api::http::jwt::TokenService;
use api::AppState;

const INSTANCES: usize = 3;
const TRIALS: usize = 10;

/// Starts `INSTANCES` instances at the same moment on `url`; each must start, and serve.
async fn start_together(url: &str, trial: usize) {
    let gate = Arc::new(Barrier::new(INSTANCES));
    let starts: Vec<_> = (0..INSTANCES)
        .map(|_| {
            let (url, gate) = (url.to_owned(), gate.clone());
            std::thread::spawn(move || {
                let pool = app::PoolOptions {
                    max_size: 4,
                    connection_timeout: Duration::from_secs(30),
                    lock_timeout: Duration::from_secs(30),
                };
                gate.wait();
                api::start_up(
                    &url,
                    &pool,
                    Some(("root@provider.example", "a-long-bootstrap-password")),
                )
            })
        })
        .collect();
    let mut stores = Vec::new();
    for (i, start) in starts.into_iter().enumerate() {
        let store = start
            .join()
            .expect("start-up thread")
            .unwrap_or_else(|e| panic!("trial {trial}: instance {i} did not start: {e}"));
        stores.push(store);
    }
    for (i, store) in stores.into_iter().enumerate() {
        let articles = store
            .read(|conn| Ok(persistence::help::count(conn)?))
            .expect("count");
        assert_eq!(
            articles as usize,
            app::help::STARTER_SET.len(),
            "trial {trial}: instance {i} sees the starter set once"
        );
        let admins = store
            .read(|conn| {
                Ok(persistence::accounts::find_user_by_email(
                    conn,
                    "root@provider.example",
                )?)
            })
            .expect("admin");
        assert!(
            admins.is_some(),
            "trial {trial}: the bootstrap admin exists"
        );
        let attachments = tempfile::tempdir().expect("attachments dir");
        let mut settings = tests::test_settings();
        settings.attachments.store = format!("file://{}", attachments.path().display());
        let state = AppState::new(store, TokenService::new(&JwtConfig::for_tests()), settings);
        let app = init_service(api::create_app(state)).await;
        let ready = call_service(&app, TestRequest::get().uri("/health/ready").to_request()).await;
        assert_eq!(ready.status(), 200, "trial {trial}: instance {i} serves");
    }
}

mod postgres {
    #[actix_web::test]
    async fn instances_starting_together_on_a_fresh_database_all_start_and_serve() {
        for trial in 0..super::TRIALS {
            let (url, _scratch) = tests::scratch_postgres();
            super::start_together(&url, trial).await;
        }
    }
}

mod sqlite {
    #[actix_web::test]
    async fn instances_starting_together_on_a_fresh_database_all_start_and_serve() {
        for trial in 0..super::TRIALS {
            let (url, _scratch) = tests::scratch_sqlite();
            super::start_together(&url, trial).await;
        }
    }
}
