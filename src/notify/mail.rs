//! Sending one mail: `.eml` files (the embedded default) or SMTP through
//! lettre (pooled connections, timeouts, STARTTLS or TLS, optional login).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;

use super::settings::{MailSettings, MailTransport, SmtpSecurity};
use crate::db::notices::outbox::Notice;

/// How an attempt to send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailResult {
    Sent,
    /// 4xx, a timeout or no connection: worth trying again.
    Transient {
        code: Option<i32>,
        error: String,
    },
    /// 5xx, or a message that cannot be built: trying again will not help.
    Permanent {
        code: Option<i32>,
        error: String,
    },
}

/// Where mails go.
#[derive(Clone)]
pub enum Mailer {
    Files { dir: PathBuf, from: Mailbox },
    Smtp { transport: SmtpTransport, from: Mailbox },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Files { dir, .. } => write!(f, "Mailer::Files({})", dir.display()),
            Mailer::Smtp { .. } => f.write_str("Mailer::Smtp"),
        }
    }
}

impl Mailer {
    pub fn new(settings: &MailSettings, data_dir: &Path) -> Result<Self, String> {
        let from: Mailbox = settings.from.parse().map_err(|e| format!("notices.mail.from: {e}"))?;
        match settings.transport {
            MailTransport::File => {
                let dir = data_dir.join(&settings.file_dir);
                std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Files { dir, from })
            }
            MailTransport::Smtp => {
                let host = settings.smtp_host.as_str();
                let builder = match settings.smtp_security {
                    SmtpSecurity::None => SmtpTransport::builder_dangerous(host),
                    SmtpSecurity::Starttls => SmtpTransport::starttls_relay(host).map_err(|e| e.to_string())?,
                    SmtpSecurity::Tls => SmtpTransport::relay(host).map_err(|e| e.to_string())?,
                };
                let mut builder = builder
                    .port(settings.smtp_port)
                    .timeout(Some(Duration::from_secs(u64::from(settings.smtp_timeout_seconds))))
                    .pool_config(PoolConfig::new().max_size(settings.smtp_pool_size));
                if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
                }
                Ok(Mailer::Smtp { transport: builder.build(), from })
            }
        }
    }

    fn from(&self) -> &Mailbox {
        match self {
            Mailer::Files { from, .. } | Mailer::Smtp { from, .. } => from,
        }
    }

    /// Builds the message of a notice: its id is the `Message-ID`, so a
    /// resend after a crash is recognisable as the same mail.
    pub fn message(&self, notice: &Notice) -> Result<Message, String> {
        let to = Mailbox::new(
            notice.recipient_name.clone(),
            notice.recipient.parse().map_err(|e| format!("recipient {}: {e}", notice.recipient))?,
        );
        let domain = self.from().email.domain().to_owned();
        Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(notice.subject.clone().unwrap_or_default())
            .message_id(Some(format!("<{}@{domain}>", notice.id)))
            .date_now()
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("X-SPBE-Event"), notice.event.clone()))
            .multipart(MultiPart::alternative_plain_html(
                notice.body_text.clone(),
                notice.body_html.clone().unwrap_or_default(),
            ))
            .map_err(|e| e.to_string())
    }

    /// Sends one notice (blocking: run it off the executor).
    pub fn send(&self, notice: &Notice) -> MailResult {
        let message = match self.message(notice) {
            Ok(message) => message,
            Err(error) => return MailResult::Permanent { code: None, error },
        };
        match self {
            Mailer::Files { dir, .. } => {
                // Named by the notice: a resend overwrites, never duplicates.
                let path = dir.join(format!("{}.eml", notice.id));
                match std::fs::write(&path, message.formatted()) {
                    Ok(()) => MailResult::Sent,
                    Err(e) => MailResult::Transient { code: None, error: format!("{}: {e}", path.display()) },
                }
            }
            Mailer::Smtp { transport, .. } => match transport.send(&message) {
                Ok(_) => MailResult::Sent,
                Err(e) => {
                    let code = e.status().map(|c| i32::from(u16::from(c)));
                    if e.is_permanent() {
                        MailResult::Permanent { code, error: e.to_string() }
                    } else {
                        MailResult::Transient { code, error: e.to_string() }
                    }
                }
            },
        }
    }
}
