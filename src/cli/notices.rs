//! `spbe-desk notices dispatch`: one dispatcher run until nothing is due,
//! e.g. after an outage, or to measure the transports.

use std::sync::Arc;
use std::time::Instant;

use crate::config::Settings;
use crate::db::notices::outbox::NoticeKind;
use crate::db::Db;
use crate::notify::dispatch::{self, DispatchReport};
use crate::notify::Notifier;

pub fn dispatch(db: &Db, settings: &Settings, kind: Option<&str>) -> Result<(), String> {
    let kinds = match kind {
        Some("mail") => vec![NoticeKind::Mail],
        Some(_) => vec![NoticeKind::Webhook],
        None => vec![NoticeKind::Mail, NoticeKind::Webhook],
    };
    let notifier = Arc::new(Notifier::new(&settings.notices, settings.changes.policy(), &settings.data.dir)?);
    let db = db.clone();
    actix_web::rt::System::new().block_on(async move {
        let started = Instant::now();
        let mut total = DispatchReport::default();
        loop {
            let report =
                dispatch::run_once_for(&db, &notifier, chrono::Utc::now(), &kinds).await.map_err(|e| e.to_string())?;
            if report.is_empty() {
                break;
            }
            total.events += report.events;
            total.sent += report.sent;
            total.retried += report.retried;
            total.dead += report.dead;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "fanned out {} event(s); sent {}, to retry {}, dead {} in {seconds:.2} s ({:.0} sent/s)",
            total.events,
            total.sent,
            total.retried,
            total.dead,
            total.sent as f64 / seconds.max(1e-9)
        );
        Ok(())
    })
}
