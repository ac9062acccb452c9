//! Test harness: the real application on a random port with a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database).

pub mod backup;
pub mod changes;
pub mod postgres;
pub mod receivers;

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use reqwest::header::HeaderMap;
use serde_json::Value;
use spbe_desk::clock::ManualClock;
use spbe_desk::config::Settings;
use spbe_desk::db::{units, users, Db};
use spbe_desk::domain::email::EmailAddress;
use spbe_desk::domain::journal::Context;
use spbe_desk::domain::organisation::{NewUnit, TimeZone, UnitKind};
use spbe_desk::domain::password::NewPassword;
use spbe_desk::domain::role::{Role, RoleSet};
use spbe_desk::domain::text::{Code, DisplayName};
use spbe_desk::domain::user::NewUser;
use spbe_desk::startup::Application;
use uuid::Uuid;

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each scenario function
/// `async fn name(backend: Backend)` of the calling module.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Backend::Postgres).await })*
        }
    };
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub clock: ManualClock,
    pub settings: Settings,
    pub notifier: Arc<spbe_desk::notify::Notifier>,
    _data_dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg_database {
            postgres::drop_database(server, name);
        }
    }
}

/// A response: status, headers and the JSON body (Null when not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 7807 problem with this status.
    pub fn assert_problem(&self, status: u16) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().is_some_and(|t| t.starts_with("urn:spbe-desk:problem:")));
        assert!(self.body["detail"].is_string());
    }
}

pub const TEST_SECRET: &str = "test-signing-secret-of-at-least-32-bytes";

/// Settings for a test app on `url` with its data in `data_dir`.
pub fn test_settings(url: &str, data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings::default();
    settings.server.listen = "127.0.0.1:0".to_owned();
    settings.server.workers = 1;
    settings.database.url = url.to_owned();
    settings.database.pool_size = 4;
    settings.auth.jwt_secret = Some(TEST_SECRET.to_owned().into());
    // The fixture logs everyone in at the real instant, then scenarios set
    // the clock back to the dates they play out (2026's holidays); their
    // tokens would be "issued in the future". The check itself is tested
    // with the production default (`auth::tokens_issued_in_the_future…`).
    settings.auth.clock_skew_seconds = 400 * 24 * 3600;
    settings.data.dir = data_dir.to_path_buf();
    // Scenarios sweep SLA clocks themselves, at instants they choose.
    settings.sla.sweep_interval_seconds = 0;
    settings.audit.checkpoint_interval_seconds = 0;
    // Scenarios dispatch notices themselves too (`TestApp::dispatch`).
    settings.notices.dispatch_interval_seconds = 0;
    settings
}

/// Starts the app on `backend`, or returns `None` (loudly) when PostgreSQL
/// is not available and `SPBE_REQUIRE_POSTGRES` is not set.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with a chance to adjust the settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    if std::env::var("TEST_LOG").is_ok() {
        spbe_desk::telemetry::init(&Settings::default().log);
    }
    let data_dir = tempfile::tempdir().expect("temporary folder");
    let (url, pg_database) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", data_dir.path().join("desk.db").display()), None),
        Backend::Postgres => {
            let Some(server) = postgres::server_url() else {
                if std::env::var("SPBE_REQUIRE_POSTGRES").is_ok() {
                    panic!("PostgreSQL is required (SPBE_REQUIRE_POSTGRES) but neither TEST_DATABASE_URL nor /usr/lib/postgresql/15/bin is usable");
                }
                eprintln!(
                    "\n!!! SKIPPED ON POSTGRESQL: no TEST_DATABASE_URL and no local PostgreSQL 15 binaries !!!\n"
                );
                return None;
            };
            let name = format!("spbe_test_{}", Uuid::now_v7().simple());
            (postgres::create_database(&server, &name), Some((server, name)))
        }
    };
    let mut settings = test_settings(&url, data_dir.path());
    adjust(&mut settings);
    Some(start(settings, data_dir, pg_database).await)
}

/// Like [`spawn_app`], allowed to deliver webhooks over plain HTTP to a
/// receiver on this machine.
pub async fn spawn_app_with_loopback_webhooks(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |s| {
        s.notices.webhooks.allow_http = true;
        s.notices.webhooks.allowed_hosts = vec!["127.0.0.1".into()];
    })
    .await
}

/// Starts the app on a database and data folder that exist already (a
/// restored backup); the folder and the PostgreSQL database go with it.
pub async fn spawn_app_on(url: &str, data_dir: tempfile::TempDir, pg_database: Option<(String, String)>) -> TestApp {
    let settings = test_settings(url, data_dir.path());
    start(settings, data_dir, pg_database).await
}

async fn start(settings: Settings, data_dir: tempfile::TempDir, pg_database: Option<(String, String)>) -> TestApp {
    let clock = ManualClock::new(Utc::now());
    let app = Application::build(settings.clone(), Arc::new(clock.clone())).await.expect("build the application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db();
    let notifier = app.notifier();
    tokio::spawn(app.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), db, clock, settings, notifier, _data_dir: data_dir, pg_database }
}

impl TestApp {
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    fn with_token(&self, request: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.with_token(self.client.get(format!("{}{path}", self.address)), token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(self.with_token(self.client.post(format!("{}{path}", self.address)), token).json(&body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value, if_match: Option<&str>) -> Resp {
        let mut request = self.with_token(self.client.patch(format!("{}{path}", self.address)), token).json(&body);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        self.send(request).await
    }

    /// Logs in and returns (access token, refresh token).
    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        let response =
            self.post("/api/v1/auth/login", None, serde_json::json!({ "email": email, "password": password })).await;
        assert_eq!(response.status, 200, "login of {email} failed: {}", response.text);
        let access = response.body["access_token"].as_str().expect("access token").to_owned();
        let refresh = response.body["refresh_token"].as_str().expect("refresh token").to_owned();
        (access, refresh)
    }

    /// Creates (as `admin`) a front end's key acting as tier 1 of `unit`;
    /// its secret.
    pub async fn tier1_api_key(&self, admin: &str, unit: Uuid) -> String {
        let body = serde_json::json!({ "name": "Helpdesk web", "unit_id": unit, "roles": ["tier1_technician"] });
        let created = self.post("/api/v1/api-keys", Some(admin), body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.body["key"].as_str().expect("the key's secret").to_owned()
    }

    /// One housekeeping round at the test clock's current instant.
    pub async fn housekeep(&self) -> spbe_desk::jobs::housekeeper::Housekeeping {
        let settings = &self.settings;
        spbe_desk::jobs::housekeeper::housekeep_now(&self.db, &self.clock, &settings.housekeeping, &settings.data.dir)
            .await
            .expect("housekeeping")
    }

    /// One SLA sweep at the test clock's current instant.
    pub async fn sweep(&self) -> spbe_desk::db::sla_sweep::SweepReport {
        spbe_desk::jobs::sla_sweeper::sweep_now(&self.db, &self.clock, 100_000).await.expect("sweep")
    }

    /// Takes the PostgreSQL database away under the running app (its
    /// connections are terminated, new ones fail): an outage.
    pub fn take_database_down(&self) {
        let (server, name) = self.pg_database.as_ref().expect("a PostgreSQL scenario");
        postgres::drop_database(server, name);
    }

    /// One sweep of the timed change notices at the test clock's instant.
    pub async fn sweep_changes(&self) -> spbe_desk::db::changes::sweep::ChangeSweep {
        let lead = chrono::Duration::minutes(i64::from(self.settings.changes.window_notice_minutes));
        spbe_desk::jobs::sla_sweeper::sweep_changes_now(&self.db, &self.clock, lead).await.expect("change sweep")
    }

    /// One notice dispatch at the test clock's current instant.
    pub async fn dispatch(&self) -> spbe_desk::notify::dispatch::DispatchReport {
        spbe_desk::jobs::notice_dispatcher::dispatch_now(&self.db, &self.clock, &self.notifier).await.expect("dispatch")
    }

    /// Runs SQL directly on the database, as someone bypassing the API would.
    pub fn execute(&self, sql: &str) {
        use diesel::RunQueryDsl;
        let mut conn = self.db.conn().expect("connection");
        diesel::sql_query(sql).execute(&mut *conn).expect(sql);
    }

    /// A byte string as an SQL literal of this database.
    pub fn bytes_literal(&self, bytes: &[u8]) -> String {
        match self.db.backend() {
            spbe_desk::db::Backend::Postgres => format!("'\\x{}'::bytea", hex::encode(bytes)),
            spbe_desk::db::Backend::Sqlite => format!("X'{}'", hex::encode(bytes)),
        }
    }

    /// An id as an SQL literal of this database (`uuid` on PostgreSQL, its
    /// 16 bytes on SQLite).
    pub fn id_literal(&self, id: Uuid) -> String {
        match self.db.backend() {
            spbe_desk::db::Backend::Postgres => format!("'{id}'::uuid"),
            spbe_desk::db::Backend::Sqlite => format!("X'{}'", id.simple()),
        }
    }

    /// Counts the rows of a table, or of `table WHERE …` (to show that bad
    /// input changed nothing, or what a step wrote).
    pub fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.conn().expect("connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(&mut *conn)
            .expect("count")
            .n
    }
}

/// The password of every fixture user.
pub const PASSWORD: &str = "kata-sandi-uji-coba";

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let password = NewPassword::parse(PASSWORD).expect("password");
        spbe_desk::auth::password::hash(&password).expect("hash")
    })
    .clone()
}

/// A fixture user and their access token.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

/// A small region: the Dinas, two Perangkat Daerah, one person per role.
pub struct Org {
    pub dinas: Uuid,
    pub pd_a: Uuid,
    pub pd_b: Uuid,
    pub admin: Person,
    pub auditor: Person,
    pub supervisor: Person,
    pub tier2: Person,
    pub tier1_a: Person,
    pub tier1_b: Person,
    pub reporter_a: Person,
    pub reporter_b: Person,
    /// An application service tier 1 handles first.
    pub service: Uuid,
    /// Dinas-run infrastructure that tier 2 takes directly.
    pub infra_service: Uuid,
}

pub fn insert_unit(db: &Db, kind: UnitKind, code: &str, zone: &str) -> Uuid {
    let new = NewUnit {
        kind,
        code: Code::parse(code).unwrap(),
        name: DisplayName::parse(&format!("Unit {code}")).unwrap(),
        mandiri_tik: false,
        time_zone: TimeZone::parse(zone).unwrap(),
        mailbox: EmailAddress::parse(&format!("{}@desk.go.id", code.to_lowercase())).unwrap(),
        calendar_id: None,
    };
    let mut conn = db.conn().unwrap();
    units::insert(&mut conn, &Context::system(Utc::now()), &new).unwrap().id
}

pub fn insert_service(db: &Db, owner: Uuid, code: &str, direct_tier2: bool) -> Uuid {
    use spbe_desk::domain::service::{NewService, Platform, ServiceCategory};
    let platform = if direct_tier2 { Platform::JaringanIntra } else { Platform::AplikasiKhusus };
    let new = NewService {
        code: Code::parse(code).unwrap(),
        name: DisplayName::parse(&format!("Layanan {code}")).unwrap(),
        description: String::new(),
        category: ServiceCategory::AdministrasiPemerintahan,
        owner_unit_id: owner,
        platform,
        application_name: (!direct_tier2).then(|| DisplayName::parse(code).unwrap()),
        direct_tier2,
        calendar_id: None,
        sla_policy_id: None,
        depends_on: if direct_tier2 { vec![] } else { vec![Platform::PusatData] },
    };
    let mut conn = db.conn().unwrap();
    spbe_desk::db::services::insert(&mut conn, &Context::system(Utc::now()), &new).unwrap().id
}

pub fn insert_user(db: &Db, unit_id: Uuid, email: &str, roles: &[Role]) -> Uuid {
    let new = NewUser {
        name: DisplayName::parse(&format!("Pengguna {email}")).unwrap(),
        email: EmailAddress::parse(email).unwrap(),
        unit_id,
        roles: RoleSet::new(roles.iter().copied()).unwrap(),
    };
    let mut conn = db.conn().unwrap();
    users::insert(&mut conn, &Context::system(Utc::now()), &new, Some(password_hash())).unwrap().id
}

impl TestApp {
    async fn person(&self, unit_id: Uuid, email: &str, roles: &[Role]) -> Person {
        let id = insert_user(&self.db, unit_id, email, roles);
        let (token, _) = self.login(email, PASSWORD).await;
        Person { id, email: email.to_owned(), token }
    }

    /// Creates the fixture region and logs everyone in.
    pub async fn org(&self) -> Org {
        let dinas = insert_unit(&self.db, UnitKind::Dinas, "DISKOMINFO", "Asia/Makassar");
        let pd_a = insert_unit(&self.db, UnitKind::PerangkatDaerah, "BAPPEDA", "Asia/Makassar");
        let pd_b = insert_unit(&self.db, UnitKind::PerangkatDaerah, "DINKES", "Asia/Makassar");
        Org {
            dinas,
            pd_a,
            pd_b,
            admin: self.person(dinas, "admin@desk.go.id", &[Role::Admin]).await,
            auditor: self.person(dinas, "auditor@desk.go.id", &[Role::Auditor]).await,
            supervisor: self.person(dinas, "supervisor@desk.go.id", &[Role::Supervisor]).await,
            tier2: self.person(dinas, "tier2@desk.go.id", &[Role::Tier2Engineer]).await,
            tier1_a: self.person(pd_a, "tier1.a@desk.go.id", &[Role::Tier1Technician]).await,
            tier1_b: self.person(pd_b, "tier1.b@desk.go.id", &[Role::Tier1Technician]).await,
            reporter_a: self.person(pd_a, "reporter.a@desk.go.id", &[Role::Reporter]).await,
            reporter_b: self.person(pd_b, "reporter.b@desk.go.id", &[Role::Reporter]).await,
            service: insert_service(&self.db, pd_a, "SIMPEG", false),
            infra_service: insert_service(&self.db, dinas, "JARINGAN-INTRA", true),
        }
    }
}

/// Reverts migrations, newest first, up to and including `version`;
/// returns the versions reverted in that order. Compactly stored audit
/// entries are rewritten whole first, as an operator going back does.
pub fn revert_through(conn: &mut spbe_desk::db::DbConnection, version: &str) -> Vec<String> {
    spbe_desk::db::journal::store_whole(conn).expect("store the audit entries whole");
    let mut reverted = Vec::new();
    while reverted.last().map(String::as_str) != Some(version) {
        reverted.push(spbe_desk::db::migrate::revert_last(conn).expect("revert a migration"));
        assert!(reverted.len() < 100, "{version} was never applied: {reverted:?}");
    }
    reverted
}
