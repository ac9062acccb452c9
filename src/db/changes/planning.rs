//! Planning a change (the pengembangan phase): its window, checked for
//! conflicts and overridden with a reason, and the test with the Dinas a
//! special change needs before it starts. Moves through `moves::commit`.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::moves::{commit, invalid, load_for, refused, user_of, MoveRequest};
use super::{conflicts, Change, ConflictOverride, DinasTest};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::access::{ChangeMove, ChangeVisibility};
use crate::domain::change::schedule::{Window, WindowError};
use crate::domain::change::workflow::{self, Command};
use crate::domain::change::{ChangeEventKind, ChangeStatus};
use crate::domain::journal::Context;

/// A window to schedule, and why to go ahead despite conflicts.
#[derive(Debug, Clone)]
pub struct ScheduleRequest {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub override_reason: Option<String>,
}

fn window_error(e: WindowError) -> StoreError {
    let field = match e {
        WindowError::EndsBeforeStart | WindowError::TooLong(_) => "planned_end",
        WindowError::InThePast => "planned_start",
    };
    invalid(field, e.to_string())
}

/// `approved | scheduled -> scheduled`: plans (or moves) the window;
/// conflicts are refused unless overridden with a reason.
pub fn schedule(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    window: &ScheduleRequest,
) -> Result<Change, StoreError> {
    let planned = Window::upcoming(window.start, window.end, ctx.now).map_err(window_error)?;
    let actor = user_of(request.principal)?;
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::Schedule)?;
        let to = workflow::next(&before.state(request.rules.policy.dinas_tests_special), Command::Schedule)
            .map_err(refused)?;
        let report = conflicts::find_for(conn, &before, &planned)?;
        let mut after = before.clone();
        after.status = to;
        after.planned = Some(planned);
        after.conflict_override = None;
        if !report.is_empty() {
            let Some(reason) = &window.override_reason else {
                let seen = conflicts::seen_by(conn, ChangeVisibility::of(request.principal), report)?;
                return Err(StoreError::Conflict(format!(
                    "The window conflicts with {}; give an override_reason to schedule it anyway.",
                    seen.describe()
                )));
            };
            // Kept whole: each reader is shown what they may read of it.
            let conflicts = report.clone();
            after.conflict_override =
                Some(ConflictOverride { reason: reason.clone(), by: actor, at: ctx.now, conflicts });
        }
        // Any earlier window (also one planned before approvals were voided)
        // makes this a reschedule: calendars must replace the event.
        let rescheduled = before.planned.is_some();
        if rescheduled {
            after.schedule_sequence += 1;
        }
        let kind = if rescheduled { ChangeEventKind::Rescheduled } else { ChangeEventKind::Scheduled };
        let detail = json!({
            "planned_start": planned.start, "planned_end": planned.end, "sequence": after.schedule_sequence,
            "override_reason": window.override_reason, "conflicts": report.count(),
        });
        commit(conn, ctx, request, &before, after, kind, detail)
    })
}

/// Records the test with the Dinas a special change needs before it starts.
pub fn record_dinas_test(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    passed: bool,
    notes: String,
) -> Result<Change, StoreError> {
    let tester = user_of(request.principal)?;
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::RecordDinasTest)?;
        if !before.special {
            return Err(StoreError::Conflict(
                "Only changes touching an aplikasi khusus or the intra-government network are tested with the Dinas."
                    .into(),
            ));
        }
        if !matches!(before.status, ChangeStatus::Approved | ChangeStatus::Scheduled) {
            return Err(StoreError::Conflict(format!(
                "The test with the Dinas is recorded once the change is approved and before it starts; this change is {}.",
                before.status.describe()
            )));
        }
        let mut after = before.clone();
        after.dinas_test = Some(DinasTest { passed, notes: notes.clone(), tested_by: tester, tested_at: ctx.now });
        commit(
            conn,
            ctx,
            request,
            &before,
            after,
            ChangeEventKind::DinasTestRecorded,
            json!({ "passed": passed, "notes": notes }),
        )
    })
}
