//! Timed change notices: a window about to start, a review past its due
//! time. Each is recorded once (the change remembers what it told).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::{find_any, store, Change};
use crate::db::journal::{self, snapshot};
use crate::db::schema::changes;
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::{ChangeEventKind, ChangeStatus};
use crate::domain::journal::{Context, Entry, Event, Subject};

/// What one sweep told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeSweep {
    pub windows_starting: usize,
    pub reviews_overdue: usize,
}

fn tell(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    before: &Change,
    kind: ChangeEventKind,
    mark: impl FnOnce(&mut Change),
) -> Result<(), StoreError> {
    let ctx = Context::system(now);
    let mut after = before.clone();
    mark(&mut after);
    after.version = versioned::unconditional(Versioned::Change, before.id, before.version).bump(conn, ctx.now)?;
    after.updated_at = ctx.now;
    store(conn, &after)?;
    let detail = json!({ "planned": before.planned, "review_due_at": before.review_due_at });
    let event = Event::Change { kind, from: Some(before.status), to: before.status, detail };
    let entry = Entry::new(Subject::Change(before.id), event);
    journal::record(conn, &ctx, entry.states(Some(snapshot(before)?), Some(snapshot(&after)?)))
}

/// Tells of windows starting within `lead` and of overdue reviews.
pub fn run(conn: &mut DbConnection, now: DateTime<Utc>, lead: Duration) -> Result<ChangeSweep, StoreError> {
    let mut report = ChangeSweep::default();
    let starting: Vec<Uuid> = changes::table
        .filter(changes::status.eq(ChangeStatus::Scheduled.as_str()))
        .filter(changes::planned_start.le((now + lead).naive_utc()))
        .filter(changes::planned_end.gt(now.naive_utc()))
        .filter(
            changes::window_notice_sequence
                .is_null()
                .or(changes::window_notice_sequence.ne(changes::schedule_sequence.nullable())),
        )
        .select(changes::id)
        .load(conn)?;
    for id in starting {
        write_tx(conn, |conn| {
            let change = find_any(conn, id)?;
            tell(conn, now, &change, ChangeEventKind::WindowStarting, |c| {
                c.window_notice_sequence = Some(c.schedule_sequence);
            })
        })?;
        report.windows_starting += 1;
    }
    let overdue: Vec<Uuid> = changes::table
        .filter(changes::status.eq(ChangeStatus::Reviewing.as_str()))
        .filter(changes::review_due_at.le(now.naive_utc()))
        .filter(changes::review_overdue_told.eq(false))
        .select(changes::id)
        .load(conn)?;
    for id in overdue {
        write_tx(conn, |conn| {
            let change = find_any(conn, id)?;
            tell(conn, now, &change, ChangeEventKind::ReviewOverdue, |c| c.review_overdue_told = true)
        })?;
        report.reviews_overdue += 1;
    }
    Ok(report)
}
