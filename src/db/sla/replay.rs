//! A ticket's clocks rebuilt from its timeline (`domain::sla::replay`), and
//! compared with the stored clocks.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::clocks;
use crate::db::schema::ticket_events;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::sla::alerts::Alert;
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::lifecycle::{ClockStart, MoveFacts};
use crate::domain::sla::replay::{differences, replay, Rebase, Retarget, Step, TrackedClock};
use crate::domain::ticket::workflow::CommandKind;
use crate::domain::ticket::{PendingReason, Status, Tier};

/// How the stored clocks stand against the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agreement {
    Agrees,
    Differs(Vec<String>),
    /// The log cannot rebuild the clocks (say, it predates clock tracing).
    Unknown(String),
}

type EventRow = (String, Option<String>, Option<i16>, Option<String>, NaiveDateTime);

fn field<T: DeserializeOwned>(data: &serde_json::Value, path: &[&str]) -> Result<T, String> {
    let value = path.iter().try_fold(data, |v, key| v.get(key)).ok_or_else(|| format!("no {}", path.join(".")))?;
    serde_json::from_value(value.clone()).map_err(|e| format!("{}: {e}", path.join(".")))
}

/// The clock step a timeline event records, if it records one.
fn step_of(
    kind: &str,
    to_status: Option<&str>,
    to_tier: Option<i16>,
    data: &serde_json::Value,
) -> Result<Option<Step>, String> {
    if let Some(command) = CommandKind::ALL.into_iter().find(|c| c.event() == kind) {
        let next_status: Status = to_status.ok_or("a move without status")?.parse().map_err(|e: String| e)?;
        let next_tier = Tier::try_from(to_tier.ok_or("a move without tier")?).map_err(|e| e.to_string())?;
        let pauses: bool = field(data, &["sla", "pauses"])?;
        let pausing_reason: Option<PendingReason> = if pauses { Some(field(data, &["reason"])?) } else { None };
        let tier2: Option<ClockStart> = field(data, &["sla", "tier2_started"])?;
        let facts = MoveFacts { command, next_status, next_tier, pausing_reason };
        return Ok(Some(Step::Moved { facts, tier2 }));
    }
    Ok(match kind {
        "created" => Some(Step::Filed(field(data, &["sla", "started"])?)),
        "commented" => field::<bool>(data, &["sla", "meets_response"])?.then_some(Step::ResponseMet),
        "updated" | "priority_changed" => Some(Step::Retargeted(field::<Vec<Retarget>>(data, &["sla", "retargets"])?)),
        "sla_recomputed" => Some(Step::Rebased(field::<Vec<Rebase>>(data, &["sla", "rebases"])?)),
        "sla_warning" => Some(Step::Alerted { kind: field::<ClockKind>(data, &["clock"])?, alert: Alert::Warning }),
        "sla_breached" => Some(Step::Alerted { kind: field::<ClockKind>(data, &["clock"])?, alert: Alert::Breach }),
        _ => None,
    })
}

/// The clocks the ticket's timeline rebuilds; `Err(why)` when it cannot.
pub fn replayed(conn: &mut DbConnection, ticket_id: Uuid) -> Result<Result<Vec<TrackedClock>, String>, StoreError> {
    let rows: Vec<EventRow> = ticket_events::table
        .filter(ticket_events::ticket_id.eq(DbId(ticket_id)))
        .order(ticket_events::seq.asc())
        .select((
            ticket_events::kind,
            ticket_events::to_status,
            ticket_events::to_tier,
            ticket_events::data_json,
            ticket_events::occurred_at,
        ))
        .load(conn)?;
    let mut steps: Vec<(DateTime<Utc>, Step)> = Vec::new();
    for (kind, to_status, to_tier, data, at) in rows {
        let data: serde_json::Value = match data.as_deref().map(serde_json::from_str).transpose() {
            Ok(data) => data.unwrap_or_default(),
            Err(e) => return Ok(Err(format!("the {kind} event's data is not JSON: {e}"))),
        };
        match step_of(&kind, to_status.as_deref(), to_tier, &data) {
            Ok(Some(step)) => steps.push((at.and_utc(), step)),
            Ok(None) => {}
            Err(why) => return Ok(Err(format!("the {kind} event does not record its clocks ({why})"))),
        }
    }
    Ok(replay(&steps).map_err(|e| e.to_string()))
}

/// Whether the stored clocks are what the log rebuilds.
pub fn check(conn: &mut DbConnection, ticket_id: Uuid) -> Result<Agreement, StoreError> {
    let stored: Vec<TrackedClock> = clocks::load(conn, ticket_id)?.iter().map(|c| c.tracked()).collect();
    Ok(match replayed(conn, ticket_id)? {
        Ok(rebuilt) => match differences(&stored, &rebuilt) {
            found if found.is_empty() => Agreement::Agrees,
            found => Agreement::Differs(found),
        },
        Err(why) => Agreement::Unknown(why),
    })
}
