//! Notices: mail templates, the SMTP and file transports, signed webhook
//! deliveries, and the dispatcher that fans queued events out and delivers
//! them. The journal queues events (`db::journal::notice_events`); nothing here
//! runs in a request.

pub mod builtin;
pub mod change_fanout;
pub mod context;
pub mod dispatch;
pub mod fanout;
pub mod knowledge_fanout;
pub mod lane;
pub mod mail;
pub mod record;
pub mod samples;
pub mod send;
pub mod settings;
pub mod templates;
pub mod webhook;
pub mod witness;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::domain::change::approval::ApprovalPolicy;
use mail::Mailer;
use settings::NoticeSettings;
use templates::Templates;
use webhook::WebhookClient;

/// Everything the dispatcher and the notice endpoints share.
#[derive(Debug)]
pub struct Notifier {
    pub settings: NoticeSettings,
    /// Who may approve a change, for whom an approval request is meant.
    pub approvals: ApprovalPolicy,
    pub templates: Templates,
    pub mailer: Mailer,
    pub webhooks: WebhookClient,
    /// Wakes this instance's fan-out when a request queued events, and its
    /// lanes when fan-out queued notices (other instances poll).
    pub wake: Wakes,
}

/// The in-process wake-ups of the dispatcher's loops.
#[derive(Debug, Default)]
pub struct Wakes {
    pub fan_out: Arc<Notify>,
    pub mail: Arc<Notify>,
    pub webhooks: Arc<Notify>,
}

impl Notifier {
    /// Events may be waiting (a request changed something).
    pub fn events_queued(&self) {
        self.wake.fan_out.notify_one();
    }

    /// Notices may be due (fan-out wrote some).
    pub fn notices_queued(&self) {
        self.wake.mail.notify_one();
        self.wake.webhooks.notify_one();
    }
}

impl Notifier {
    /// Loads and checks the templates and builds the transports; an error
    /// names what is wrong, and stops the start.
    pub fn new(settings: &NoticeSettings, approvals: ApprovalPolicy, data_dir: &Path) -> Result<Self, String> {
        let needed = samples::needed_templates(&settings.rules);
        Ok(Self {
            approvals,
            templates: Templates::load(&settings.templates_dir, &needed)?,
            mailer: Mailer::new(&settings.mail, data_dir)?,
            webhooks: WebhookClient::new(&settings.webhooks)?,
            settings: settings.clone(),
            wake: Wakes::default(),
        })
    }
}
