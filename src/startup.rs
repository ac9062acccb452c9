//! Builds the pool, runs migrations and assembles the actix application.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_cors::Cors;
use actix_web::dev::{Server, Service};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::api::{self, extract};
use crate::auth::audit_key::AuditKeys;
use crate::auth::{audit_key, keys, Authenticator, TokenService};
use crate::clock::Clock;
use crate::config::{AuditSettings, HousekeepingSettings, Settings, SlaSettings};
use crate::db::{migrate, Db};
use crate::metrics::HttpMetrics;
use crate::notify::Notifier;
use crate::state::AppState;

/// A bound, not yet running server and the handles tests need.
pub struct Application {
    server: Server,
    port: u16,
    db: Db,
    clock: Arc<dyn Clock>,
    sla: SlaSettings,
    /// How long before a change window its notice goes out (the sweeper tells).
    window_notice: chrono::Duration,
    audit: (AuditSettings, AuditKeys),
    /// Its settings, and the data folder whose attachment files it sweeps.
    housekeeping: (HousekeepingSettings, std::path::PathBuf),
    notifier: Arc<Notifier>,
}

/// Opens the database named by the settings and applies pending migrations.
pub async fn open_database(settings: &Settings) -> Result<Db, String> {
    let url = settings.database_url()?;
    let timeout = std::time::Duration::from_millis(u64::from(settings.database.connect_timeout_ms.max(1)));
    let db = Db::connect_with_timeout(&url, settings.database.pool_size, timeout)?;
    let applied = db.run(migrate::run_pending).await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    Ok(db)
}

impl Application {
    /// Binds the listener and builds the server; nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let db = open_database(&settings).await?;
        let key = keys::load(&settings.auth, &settings.data.dir)?;
        let audit_keys = audit_key::load(&settings.audit, &settings.data.dir)?;
        let tokens = Arc::new(
            TokenService::new(&key, &settings.auth.issuer, settings.auth.access_token_seconds)?
                .with_clock_skew(settings.auth.clock_skew_seconds),
        );
        let notifier = Arc::new(Notifier::new(&settings.notices, settings.changes.policy(), &settings.data.dir)?);
        let address = settings.listen_address()?;
        let listener = TcpListener::bind(address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let workers = settings.server.workers;
        let sla = settings.sla.clone();
        let window_notice = chrono::Duration::minutes(i64::from(settings.changes.window_notice_minutes));
        let audit = (settings.audit.clone(), audit_keys.clone());
        let housekeeping = (settings.housekeeping.clone(), settings.data.dir.clone());
        // SQLite writes one transaction at a time; PostgreSQL overlaps two.
        let default_writers = if db.backend() == crate::db::Backend::Sqlite { 1 } else { 2 };
        let writers = settings.database.intake_writers.map_or(default_writers, |n| n as usize);
        let intake = crate::jobs::intake_writer::IntakeWriter::start(&db, writers)?;
        let authenticator =
            web::Data::new(Authenticator { tokens: Arc::clone(&tokens), db: db.clone(), clock: Arc::clone(&clock) });
        let state = web::Data::new(AppState {
            db: db.clone(),
            clock: Arc::clone(&clock),
            tokens,
            cursors: crate::auth::cursor_seal::CursorKey::derive(&key),
            settings,
            metrics: HttpMetrics::new()?,
            audit_keys: audit_keys.clone(),
            notifier: Arc::clone(&notifier),
            intake,
        });
        let mut server = HttpServer::new(move || app(state.clone(), authenticator.clone()))
            .listen(listener)
            .map_err(|e| e.to_string())?
            .shutdown_timeout(30);
        if workers > 0 {
            server = server.workers(workers);
        }
        tracing::info!(%address, port, "listening");
        Ok(Self { server: server.run(), port, db, clock, sla, window_notice, audit, housekeeping, notifier })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }

    pub fn notifier(&self) -> Arc<Notifier> {
        Arc::clone(&self.notifier)
    }

    /// Serves (and sweeps SLA clocks) until SIGINT or SIGTERM, then drains
    /// in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweeper =
            crate::jobs::sla_sweeper::spawn(self.db.clone(), Arc::clone(&self.clock), &self.sla, self.window_notice);
        let dispatcher = crate::jobs::notice_dispatcher::spawn(self.db.clone(), Arc::clone(&self.clock), self.notifier);
        let (housekeeping, data_dir) = self.housekeeping;
        let housekeeper =
            crate::jobs::housekeeper::spawn(self.db.clone(), Arc::clone(&self.clock), &housekeeping, data_dir);
        let (audit, keys) = self.audit;
        let checkpointer = crate::jobs::audit_checkpointer::spawn(self.db.clone(), self.clock, &audit, keys);
        let served = self.server.await;
        for task in [sweeper, checkpointer, dispatcher, housekeeper].into_iter().flatten() {
            task.abort();
        }
        served
    }
}

fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
        .max_age(3600)
}

fn app(
    state: web::Data<AppState>,
    authenticator: web::Data<Authenticator>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let metrics = state.metrics.clone();
    let notifier = Arc::clone(&state.notifier);
    let settings = &state.settings;
    let body_read_timeout = std::time::Duration::from_secs(u64::from(settings.server.body_read_timeout_seconds));
    App::new()
        .app_data(web::PayloadConfig::new(settings.server.body_limit_bytes))
        .app_data(extract::path_config())
        .app_data(extract::query_config())
        .app_data(state.clone())
        .app_data(authenticator)
        .configure(api::routes)
        .default_service(web::to(extract::no_route))
        .wrap(cors(&settings.server.cors_origins))
        .wrap_fn(|req, srv| {
            // Errors raised by the middleware inside (a refused CORS
            // preflight) answer as problems too.
            let response = srv.call(req);
            async move {
                match response.await {
                    Ok(answer) => Ok(api::headers::problem_answer(answer)),
                    Err(error) => Err(api::headers::as_problem(error)),
                }
            }
        })
        .wrap_fn(move |req, srv| {
            // A change that succeeded may have queued events: wake this
            // instance's fan-out rather than wait for its next tick.
            let changes = !req.method().is_safe();
            let notifier = Arc::clone(&notifier);
            let response = srv.call(req);
            async move {
                let response = response.await?;
                if changes && response.status().is_success() {
                    notifier.events_queued();
                }
                Ok(response)
            }
        })
        .wrap_fn(move |req, srv| {
            // Count and time each request under its route pattern.
            let started = Instant::now();
            let method = req.method().to_string();
            let metrics = metrics.clone();
            let response = srv.call(req);
            async move {
                let response = response.await?;
                let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
                let status = response.status().as_u16();
                metrics.observe(&method, &route, status, started.elapsed().as_secs_f64());
                Ok(response)
            }
        })
        .wrap_fn(|req, srv| {
            // Echo the request id so that a client's report can be found in the logs.
            let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
            let response = srv.call(req);
            async move {
                let mut response = response.await?;
                if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                    response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
                }
                Ok(response)
            }
        })
        .wrap_fn(move |mut req, srv| {
            api::body_deadline::bound(&mut req, body_read_timeout);
            srv.call(req)
        })
        .wrap(api::headers::security())
        .wrap(TracingLogger::default())
}
