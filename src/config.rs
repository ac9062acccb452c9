//! Settings: built-in defaults, then `config/default.toml`, then
//! `config/<APP_ENV>.toml`, then `APP__*` environment variables
//! (`APP__DATABASE__URL` sets `database.url`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::db::DbUrl;
use crate::domain::email::EmailAddress;
use crate::domain::ticket::PriorityMatrix;
use crate::redact::no_secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub data: DataSettings,
    pub log: LogSettings,
    pub tickets: TicketSettings,
    pub sla: SlaSettings,
    pub audit: AuditSettings,
    pub notices: crate::notify::settings::NoticeSettings,
    pub changes: ChangeSettings,
    pub housekeeping: HousekeepingSettings,
    #[serde(default)]
    pub knowledge: KnowledgeSettings,
}

/// Knowledge management: who publishes, when articles fall due for
/// review, and the words a search takes as the same.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeSettings {
    /// `dinas`, or `dinas_and_owner_desks` (a PD's tier 1 also publishes
    /// for its own services).
    pub publishers: crate::domain::knowledge::access::Publishers,
    /// Days after publishing that an article is due for review.
    pub review_period_days: u32,
    /// Groups of words a search takes as one (`masuk`/`login`).
    pub synonyms: Vec<Vec<String>>,
}

impl Default for KnowledgeSettings {
    fn default() -> Self {
        let groups: &[&[&str]] = &[
            &["masuk", "login", "signin"],
            &["keluar", "logout", "signout"],
            &["sandi", "password", "pw", "pass"],
            &["surel", "email", "imel", "e-mail"],
            &["unduh", "download"],
            &["unggah", "upload"],
            &["lambat", "lemot", "lelet", "slow"],
            &["galat", "error", "eror"],
            &["akun", "account", "user"],
            &["cetak", "print"],
            &["jaringan", "internet", "koneksi", "wifi"],
            &["ubah", "ganti", "reset"],
            // Added where the labelled set (seed/knowledge/queries.txt) missed.
            &["situs", "website", "web", "laman"],
            &["retas", "hack", "bajak", "bobol"],
            &["penuh", "full"],
            &["inbox", "mailbox"],
        ];
        Self {
            publishers: crate::domain::knowledge::access::Publishers::Dinas,
            review_period_days: 180,
            synonyms: groups.iter().map(|g| g.iter().map(|w| (*w).to_owned()).collect()).collect(),
        }
    }
}

impl KnowledgeSettings {
    pub fn synonyms(&self) -> crate::domain::knowledge::search::Synonyms {
        crate::domain::knowledge::search::Synonyms::new(&self.synonyms)
    }
}

/// What is kept only for a while: idempotency keys, and attachment files
/// a crash left without their record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HousekeepingSettings {
    /// Seconds between housekeeping rounds; 0 turns them off in this
    /// instance (`spbe-desk housekeeping` runs one).
    pub interval_seconds: u32,
    /// Hours an `Idempotency-Key` is remembered; after that the same key
    /// files anew.
    pub idempotency_key_hours: u32,
    /// Seconds an attachment file without a record is left alone (its
    /// upload may still be committing) before it is swept.
    pub orphan_file_grace_seconds: u32,
}

impl Default for HousekeepingSettings {
    fn default() -> Self {
        Self { interval_seconds: 3600, idempotency_key_hours: 24, orphan_file_grace_seconds: 3600 }
    }
}

impl HousekeepingSettings {
    pub fn idempotency_key_lifetime(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.idempotency_key_hours))
    }
}

/// Change management: who approves, and when timed notices go out.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChangeSettings {
    /// Board members whose approval a normal change needs.
    pub board_approvals: u8,
    /// A normal change also needs each owner PD of its services.
    pub owner_units_approve: bool,
    /// A change touching an aplikasi khusus or the network needs the Dinas …
    pub dinas_approves_special: bool,
    /// … and a passed test with the Dinas before it starts.
    pub dinas_tests_special: bool,
    /// The board seat goes only to approvers outside the requesting unit and
    /// the owner PDs of the touched services (segregation of duties).
    pub board_segregation: bool,
    /// Minutes before a scheduled window starts that its notice goes out.
    pub window_notice_minutes: u32,
    /// Days after implementation within which the review is due.
    pub review_due_days: u32,
    /// The domain that qualifies iCalendar UIDs (`<change id>@<domain>`).
    pub calendar_domain: String,
}

impl Default for ChangeSettings {
    fn default() -> Self {
        let policy = crate::domain::change::approval::ApprovalPolicy::default();
        Self {
            board_approvals: policy.board_approvals,
            owner_units_approve: policy.owner_units_approve,
            dinas_approves_special: policy.dinas_approves_special,
            dinas_tests_special: policy.dinas_tests_special,
            board_segregation: policy.board_segregation,
            window_notice_minutes: 60,
            review_due_days: 5,
            calendar_domain: "spbe-desk.local".to_owned(),
        }
    }
}

impl ChangeSettings {
    /// The rules a change's moves obey, as storage takes them.
    pub fn rules(&self) -> crate::db::changes::ChangeRules {
        crate::db::changes::ChangeRules { policy: self.policy(), review_due_days: self.review_due_days }
    }

    pub fn policy(&self) -> crate::domain::change::approval::ApprovalPolicy {
        crate::domain::change::approval::ApprovalPolicy {
            board_approvals: self.board_approvals,
            owner_units_approve: self.owner_units_approve,
            dinas_approves_special: self.dinas_approves_special,
            dinas_tests_special: self.dinas_tests_special,
            board_segregation: self.board_segregation,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Seconds between checkpoints of the audit chains (taken only when a
    /// chain moved); 0 turns the checkpointer off in this instance.
    pub checkpoint_interval_seconds: u32,
    /// The Ed25519 key that signs checkpoints (32-byte seed, hex). When
    /// unset, one is generated into `data.dir`; when set, it must exist.
    pub signing_key_file: Option<PathBuf>,
    /// Public keys (32 bytes, hex) of earlier signing keys whose
    /// checkpoints still verify after a rotation.
    pub trusted_public_keys: Vec<String>,
    /// Where each checkpoint is published outside the database.
    #[serde(default)]
    pub witness: WitnessSettings,
}

/// The audit witness (`docs/audit.md`, "Witnesses").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WitnessSettings {
    /// A JSON Lines file (best on another mount) each checkpoint is
    /// appended to; none when unset.
    pub file: Option<PathBuf>,
    /// Addresses mailed a digest of the checkpoints (e.g. the Inspektorat).
    pub recipients: Vec<String>,
    /// Seconds per digest: the checkpoints of each such period are mailed
    /// together, with the first checkpoint after it.
    pub mail_every_seconds: u32,
}

impl Default for WitnessSettings {
    fn default() -> Self {
        Self { file: None, recipients: vec![], mail_every_seconds: 86_400 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// Seconds between sweeps for due warnings and breaches; 0 turns the
    /// sweeper off in this instance (another instance may run it).
    pub sweep_interval_seconds: u32,
    /// Most alerts one sweep records before yielding to the next one.
    pub sweep_batch: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketSettings {
    /// Days after resolution during which the reporter may reopen.
    pub reopen_window_days: u32,
    /// Impact (rows: high, medium, low) × urgency (columns) → priority.
    pub priority_matrix: PriorityMatrix,
    /// Largest attachment accepted, in bytes (larger ones get 413).
    pub max_attachment_bytes: usize,
    /// Attachment types accepted, checked against the file's content.
    pub attachment_types: Vec<String>,
    /// New tickets of a Perangkat Daerah without an active tier-1
    /// technician go to the tier-2 queue (with the reason on the timeline)
    /// instead of waiting in a queue nobody watches.
    pub route_uncovered_to_tier2: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// Largest request body accepted, in bytes (larger ones get 413).
    pub body_limit_bytes: usize,
    /// Seconds a client has to send a whole body after its headers
    /// (shorter than its `Content-Length`, it gets 408 then, and frees its
    /// worker).
    pub body_read_timeout_seconds: u32,
    /// A token Prometheus presents (`Authorization: Bearer …`) to read
    /// `/metrics`; without one, only requests from this machine that no
    /// proxy forwarded may read it.
    #[serde(serialize_with = "no_secret")]
    pub metrics_token: Option<SecretString>,
    /// Origins allowed to call the API from a browser; empty allows none.
    pub cors_origins: Vec<String>,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed
    /// (for per-address login throttling); empty trusts none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` (embedded default) or `postgres://...`.
    pub url: String,
    pub pool_size: u32,
    /// Milliseconds a request waits for a database connection before it is
    /// answered 503 (an outage fails fast; the pool reconnects by itself).
    pub connect_timeout_ms: u32,
    /// Threads that write filed tickets in batches (default: one on SQLite,
    /// which writes one transaction at a time; two on PostgreSQL).
    #[serde(default)]
    pub intake_writers: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 secret (32+ bytes); when absent and no key files are given, a
    /// secret is generated once into the data directory.
    #[serde(serialize_with = "no_secret")]
    pub jwt_secret: Option<SecretString>,
    /// Ed25519 PEM key pair for EdDSA tokens, instead of a shared secret.
    pub jwt_private_key_file: Option<PathBuf>,
    pub jwt_public_key_file: Option<PathBuf>,
    pub issuer: String,
    pub access_token_seconds: u32,
    pub refresh_token_seconds: u32,
    /// Seconds after a refresh token's use in which presenting it again
    /// (another tab refreshing at the same moment) returns the same new
    /// token instead of ending the session as reuse.
    pub refresh_reuse_grace_seconds: u32,
    /// Seconds an access token's `iat` or `nbf` may lie ahead of this
    /// server's clock (skew between instances); beyond, it is refused.
    pub clock_skew_seconds: u32,
    /// Failed logins for one account within the window before a lockout.
    pub max_failures_per_account: i32,
    /// Failed logins from one client address within the window before a lockout.
    pub max_failures_per_address: i32,
    pub failure_window_seconds: u32,
    pub lockout_seconds: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSettings {
    /// Where generated secrets, the SQLite file and mail files live.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `spbe_desk=debug,info`.
    pub level: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings {
                listen: "127.0.0.1:8080".to_owned(),
                body_limit_bytes: 1024 * 1024,
                body_read_timeout_seconds: 30,
                metrics_token: None,
                cors_origins: Vec::new(),
                workers: 0,
                trusted_proxies: Vec::new(),
            },
            database: DatabaseSettings {
                url: "sqlite://./data/spbe-desk.db".to_owned(),
                pool_size: 8,
                connect_timeout_ms: 2000,
                intake_writers: None,
            },
            auth: AuthSettings {
                jwt_secret: None,
                jwt_private_key_file: None,
                jwt_public_key_file: None,
                issuer: "spbe-desk".to_owned(),
                access_token_seconds: 900,
                refresh_token_seconds: 30 * 24 * 3600,
                refresh_reuse_grace_seconds: 10,
                clock_skew_seconds: 60,
                max_failures_per_account: 5,
                max_failures_per_address: 50,
                failure_window_seconds: 900,
                lockout_seconds: 900,
            },
            data: DataSettings { dir: PathBuf::from("./data") },
            log: LogSettings { format: LogFormat::Text, level: "info".to_owned() },
            tickets: TicketSettings {
                reopen_window_days: 7,
                priority_matrix: PriorityMatrix::default(),
                max_attachment_bytes: 10 * 1024 * 1024,
                attachment_types: [
                    "image/png",
                    "image/jpeg",
                    "image/gif",
                    "image/webp",
                    "application/pdf",
                    "application/zip",
                    "text/plain",
                ]
                .map(str::to_owned)
                .to_vec(),
                route_uncovered_to_tier2: true,
            },
            sla: SlaSettings { sweep_interval_seconds: 30, sweep_batch: 10_000 },
            audit: AuditSettings {
                checkpoint_interval_seconds: 300,
                signing_key_file: None,
                trusted_public_keys: vec![],
                witness: WitnessSettings::default(),
            },
            notices: crate::notify::settings::NoticeSettings::default(),
            changes: ChangeSettings::default(),
            housekeeping: HousekeepingSettings::default(),
            knowledge: KnowledgeSettings::default(),
        }
    }
}

impl Settings {
    /// Loads settings from `config_dir` and the environment, then checks them.
    pub fn load(config_dir: &Path) -> Result<Self, String> {
        let app_env = std::env::var("APP_ENV").ok();
        let mut figment =
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::file(config_dir.join("default.toml")));
        if let Some(env) = app_env.filter(|e| !e.is_empty()) {
            let file = config_dir.join(format!("{env}.toml"));
            if !file.exists() {
                return Err(format!("APP_ENV is `{env}` but {} does not exist", file.display()));
            }
            figment = figment.merge(Toml::file(file));
        }
        let settings: Settings = figment
            .merge(Env::prefixed("APP__").split("__"))
            .extract()
            .map_err(|e| format!("configuration error: {e}"))?;
        settings.check()?;
        Ok(settings)
    }

    /// Checks values that types alone do not; names the key that is wrong.
    pub fn check(&self) -> Result<(), String> {
        self.listen_address()?;
        self.database_url()?;
        let positive = [
            ("server.body_limit_bytes", self.server.body_limit_bytes as u64),
            ("server.body_read_timeout_seconds", u64::from(self.server.body_read_timeout_seconds)),
            ("database.pool_size", u64::from(self.database.pool_size)),
            ("database.intake_writers", u64::from(self.database.intake_writers.unwrap_or(1))),
            ("auth.access_token_seconds", u64::from(self.auth.access_token_seconds)),
            ("auth.refresh_token_seconds", u64::from(self.auth.refresh_token_seconds)),
            ("auth.failure_window_seconds", u64::from(self.auth.failure_window_seconds)),
            ("auth.lockout_seconds", u64::from(self.auth.lockout_seconds)),
            ("tickets.reopen_window_days", u64::from(self.tickets.reopen_window_days)),
            ("tickets.max_attachment_bytes", self.tickets.max_attachment_bytes as u64),
            ("sla.sweep_batch", u64::from(self.sla.sweep_batch)),
            ("audit.witness.mail_every_seconds", u64::from(self.audit.witness.mail_every_seconds)),
            ("housekeeping.idempotency_key_hours", u64::from(self.housekeeping.idempotency_key_hours)),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(format!("configuration error: {key} must be greater than 0"));
        }
        if self.auth.max_failures_per_account < 1 || self.auth.max_failures_per_address < 1 {
            return Err("configuration error: auth.max_failures_per_* must be at least 1".to_owned());
        }
        if self.auth.jwt_private_key_file.is_some() != self.auth.jwt_public_key_file.is_some() {
            return Err(
                "configuration error: auth.jwt_private_key_file and auth.jwt_public_key_file go together".to_owned()
            );
        }
        if let Some(secret) = &self.auth.jwt_secret {
            use secrecy::ExposeSecret;
            if secret.expose_secret().len() < 32 {
                return Err("configuration error: auth.jwt_secret must be at least 32 bytes".to_owned());
            }
        }
        if let Some(origin) =
            self.server.cors_origins.iter().find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(format!(
                "configuration error: server.cors_origins has `{origin}`, which is not an http(s) origin"
            ));
        }
        if let Some(bad) = self.audit.witness.recipients.iter().find(|r| EmailAddress::parse(r).is_err()) {
            return Err(format!("configuration error: audit.witness.recipients has `{bad}`, which is not an address"));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| format!("configuration error: log.level `{}`: {e}", self.log.level))?;
        self.notices.check()
    }

    pub fn listen_address(&self) -> Result<SocketAddr, String> {
        self.server.listen.parse().map_err(|_| {
            format!(
                "configuration error: server.listen `{}` is not an address such as 127.0.0.1:8080",
                self.server.listen
            )
        })
    }

    pub fn database_url(&self) -> Result<DbUrl, String> {
        DbUrl::parse(&self.database.url).map_err(|e| format!("configuration error: database.url: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_synonyms_read_english_and_chat_words_as_the_articles_write_them() {
        use crate::domain::knowledge::search::Query;
        let synonyms = KnowledgeSettings::default().synonyms();
        let terms = Query::parse("inbox full, web kena hack", &synonyms).terms();
        for written in ["mailbox", "penuh", "situs", "website", "retas", "bajak"] {
            assert!(terms.contains(written), "{written} in {terms:?}");
        }
    }

    #[test]
    fn defaults_pass_their_own_checks() {
        assert_eq!(Settings::default().check(), Ok(()));
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut settings = Settings::default();
        settings.server.listen = "localhost".into();
        assert!(settings.check().unwrap_err().contains("server.listen"));
        let mut settings = Settings::default();
        settings.database.pool_size = 0;
        assert!(settings.check().unwrap_err().contains("database.pool_size"));
        let mut settings = Settings::default();
        settings.database.intake_writers = Some(0);
        assert!(settings.check().unwrap_err().contains("database.intake_writers"));
        let mut settings = Settings::default();
        settings.database.url = "mysql://x/y".into();
        assert!(settings.check().unwrap_err().contains("database.url"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[server]\nlisten_port = 9000\n"));
        let error = figment.extract::<Settings>().unwrap_err().to_string();
        assert!(error.contains("listen_port"), "{error}");
    }
}
