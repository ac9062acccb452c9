//! The `[notices]` settings: dispatch, mail transport, webhooks, rules.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::notice::rules::{self, Rule};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    /// Seconds between dispatcher runs; 0 turns the dispatcher off in this
    /// instance (another one may run it).
    pub dispatch_interval_seconds: u32,
    /// Most events fanned out and notices sent per run.
    pub batch: u32,
    /// How long a claimed notice is held by its dispatcher; after that a
    /// crashed dispatcher's notices are tried again (with the same id).
    pub lease_seconds: u32,
    /// Seconds after its first attempt a notice is given up (`dead`).
    pub give_up_after_seconds: u32,
    /// Seconds before the first retry (doubling up to `max_retry_wait_seconds`).
    pub first_retry_seconds: u32,
    pub max_retry_wait_seconds: u32,
    /// Non-critical mails wait for the recipient's working hours (their
    /// unit's calendar); critical ones (breaches, critical tickets) go at once.
    pub hold_until_working_hours: bool,
    /// The ticket's page in the front end; `{number}` and `{id}` are replaced.
    pub ticket_url: String,
    /// The front end's page of a change (`{number}`, `{id}`), for mails.
    pub change_url: String,
    /// The front end's page of a knowledge article (`{id}`), for mails.
    pub article_url: String,
    /// Folder of the mail templates (`<name>.subject`, `<name>.txt`, `<name>.html`).
    pub templates_dir: PathBuf,
    pub mail: MailSettings,
    pub webhooks: WebhookSettings,
    /// Who gets what; the defaults follow the regulation's desks.
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    /// `.eml` files in `mail.file_dir` (the embedded default).
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The sender, e.g. `Layanan SPBE <servicedesk@majenekab.go.id>`.
    pub from: String,
    /// For the file transport; relative to `data.dir` unless absolute.
    pub file_dir: PathBuf,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "crate::redact::no_secret")]
    pub smtp_password: Option<SecretString>,
    pub smtp_timeout_seconds: u32,
    /// Connections kept open to the mail server. Each carries about 20
    /// mails/s: lettre writes a message's final `.` apart from its body,
    /// which waits out the server's delayed ACK (about 40 ms) every time.
    pub smtp_pool_size: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Seconds a receiver has to answer.
    pub timeout_seconds: u32,
    /// Allow `http://` targets (only on trusted networks).
    pub allow_http: bool,
    /// Hosts or addresses deliveries may reach although they are loopback,
    /// link-local or private (e.g. a front end on the intranet).
    pub allowed_hosts: Vec<String>,
    /// Seconds the previous secret keeps signing after a rotation.
    pub secret_overlap_seconds: u32,
    /// Consecutive dead deliveries after which a subscription is disabled.
    pub disable_after_dead: u32,
    /// Deliveries sent at once by one dispatcher.
    pub concurrency: u32,
    /// Deliveries sent at once to one subscription, so that a slow
    /// receiver holds only its share of `concurrency`.
    pub per_target_concurrency: u32,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            dispatch_interval_seconds: 5,
            batch: 500,
            lease_seconds: 300,
            give_up_after_seconds: 24 * 3600,
            first_retry_seconds: 30,
            max_retry_wait_seconds: 2 * 3600,
            hold_until_working_hours: true,
            ticket_url: "http://127.0.0.1:8080/tiket/{number}".to_owned(),
            change_url: "http://127.0.0.1:8080/perubahan/{number}".to_owned(),
            article_url: "http://127.0.0.1:8080/pengetahuan/{id}".to_owned(),
            templates_dir: PathBuf::from("config/templates"),
            mail: MailSettings {
                transport: MailTransport::File,
                from: "Layanan SPBE <servicedesk@localhost.localdomain>".to_owned(),
                file_dir: PathBuf::from("mail"),
                smtp_host: "127.0.0.1".to_owned(),
                smtp_port: 25,
                smtp_security: SmtpSecurity::Starttls,
                smtp_username: None,
                smtp_password: None,
                smtp_timeout_seconds: 10,
                smtp_pool_size: 16,
            },
            webhooks: WebhookSettings {
                timeout_seconds: 10,
                allow_http: false,
                allowed_hosts: Vec::new(),
                secret_overlap_seconds: 24 * 3600,
                disable_after_dead: 5,
                concurrency: 32,
                per_target_concurrency: 4,
            },
            rules: rules::defaults(),
        }
    }
}

impl NoticeSettings {
    /// Checks values that types alone do not; names the key that is wrong.
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("notices.batch", self.batch),
            ("notices.lease_seconds", self.lease_seconds),
            ("notices.give_up_after_seconds", self.give_up_after_seconds),
            ("notices.first_retry_seconds", self.first_retry_seconds),
            ("notices.max_retry_wait_seconds", self.max_retry_wait_seconds),
            ("notices.mail.smtp_timeout_seconds", self.mail.smtp_timeout_seconds),
            ("notices.mail.smtp_pool_size", self.mail.smtp_pool_size),
            ("notices.webhooks.timeout_seconds", self.webhooks.timeout_seconds),
            ("notices.webhooks.disable_after_dead", self.webhooks.disable_after_dead),
            ("notices.webhooks.concurrency", self.webhooks.concurrency),
            ("notices.webhooks.per_target_concurrency", self.webhooks.per_target_concurrency),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(format!("configuration error: {key} must be greater than 0"));
        }
        self.mail.from.parse::<lettre::message::Mailbox>().map_err(|e| {
            format!("configuration error: notices.mail.from `{}` is not a mailbox: {e}", self.mail.from)
        })?;
        if !self.ticket_url.starts_with("http://") && !self.ticket_url.starts_with("https://") {
            return Err("configuration error: notices.ticket_url must be an http(s) URL".to_owned());
        }
        rules::check(&self.rules).map_err(|e| format!("configuration error: notices.rules: {e}"))
    }

    pub fn backoff(&self) -> crate::domain::notice::retry::Backoff {
        use chrono::Duration;
        crate::domain::notice::retry::Backoff {
            first: Duration::seconds(i64::from(self.first_retry_seconds)),
            max_wait: Duration::seconds(i64::from(self.max_retry_wait_seconds)),
            give_up_after: Duration::seconds(i64::from(self.give_up_after_seconds)),
        }
    }

    /// The link to a ticket in the front end.
    pub fn ticket_link(&self, id: uuid::Uuid, number: &str) -> String {
        self.ticket_url.replace("{number}", number).replace("{id}", &id.to_string())
    }

    pub fn change_link(&self, id: uuid::Uuid, number: &str) -> String {
        self.change_url.replace("{number}", number).replace("{id}", &id.to_string())
    }

    pub fn article_link(&self, id: uuid::Uuid) -> String {
        self.article_url.replace("{id}", &id.to_string())
    }
}
