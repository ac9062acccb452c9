//! Moving a change through its lifecycle: every move checks who may make
//! it, the workflow and the caller's `If-Match`, writes the change and its
//! journal entry in one transaction. Planning the window and the test with
//! the Dinas are in `planning`.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::{find, find_any, store, Change};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{change_follow_ups, users};
use crate::db::sql_types::DbId;
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::access::{may_move, mover, ChangeMove, ChangeVisibility};
use crate::domain::change::analysis::{ready_for_approval, Analysis};
use crate::domain::change::approval::ApprovalPolicy;
use crate::domain::change::ical;
use crate::domain::change::workflow::{self, Command, TransitionError};
use crate::domain::change::{ChangeEventKind, ChangeStatus, ChangeType, Outcome};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Principal;
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;

/// Who moves which change, under which `If-Match`, by which rules.
pub struct MoveRequest<'a> {
    pub principal: &'a Principal,
    pub change_id: Uuid,
    pub precondition: Precondition,
    pub rules: &'a ChangeRules,
}

/// The configured rules of changes (`[changes]`), handed to storage as a
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRules {
    pub policy: ApprovalPolicy,
    /// Days after implementation within which the review is due.
    pub review_due_days: u32,
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, message))
}

pub(super) fn refused(e: TransitionError) -> StoreError {
    match e {
        TransitionError::FollowUpNeeded(_) => invalid("follow_ups", e.to_string()),
        TransitionError::NotAllowed { .. } | TransitionError::DinasTestMissing => StoreError::Conflict(e.to_string()),
    }
}

pub(super) fn user_of(principal: &Principal) -> Result<Uuid, StoreError> {
    mover(principal).map_err(|e| StoreError::Forbidden(e.to_string()))
}

/// Reads the change `change_id` the caller sees (404 otherwise) and
/// checks the caller may make `change_move` on it (403): what a move
/// refuses whatever its body. Handlers call it before they read a body
/// too, so that a caller without the right learns nothing of its rules.
pub fn admit(
    conn: &mut DbConnection,
    principal: &Principal,
    change_id: Uuid,
    change_move: ChangeMove,
) -> Result<Change, StoreError> {
    let change = find(conn, ChangeVisibility::of(principal), change_id)?;
    if !may_move(principal, change_move, &change.facts()) {
        return Err(StoreError::Forbidden("Your roles do not allow this move on this change.".into()));
    }
    Ok(change)
}

/// Reads the change for a move and checks the caller may make it.
pub(super) fn load_for(
    conn: &mut DbConnection,
    request: &MoveRequest<'_>,
    change_move: ChangeMove,
) -> Result<Change, StoreError> {
    admit(conn, request.principal, request.change_id, change_move)
}

/// Writes `after` (a moved copy of `before`) and its journal entry.
pub(super) fn commit(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    before: &Change,
    mut after: Change,
    kind: ChangeEventKind,
    detail: serde_json::Value,
) -> Result<Change, StoreError> {
    let guard = versioned::check(Versioned::Change, before.id, before.version, &request.precondition)?;
    after.version = guard.bump(conn, ctx.now)?;
    after.updated_at = ctx.now;
    // A move that changes how the feed shows a planned window (a voided
    // approval, a cancellation, a rejection) raises the event's SEQUENCE,
    // unless the move raised it already (a reschedule).
    let feed_moved = before.planned.is_some() && ical::status_changes(before.status, after.status);
    if feed_moved && after.schedule_sequence == before.schedule_sequence {
        after.schedule_sequence += 1;
    }
    if !after.statuses_visited.contains(&after.status) {
        after.statuses_visited.push(after.status);
    }
    store(conn, &after)?;
    let event = Event::Change { kind, from: Some(before.status), to: after.status, detail };
    let entry = Entry::new(Subject::Change(before.id), event);
    journal::record(conn, ctx, entry.states(Some(snapshot(before)?), Some(snapshot(&after)?)))?;
    find_any(conn, before.id)
}

/// One workflow move with its event; `change` prepares the moved copy.
fn run(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    change_move: ChangeMove,
    command: Command,
    kind: ChangeEventKind,
    change: impl FnOnce(&mut DbConnection, &Change, &mut Change) -> Result<serde_json::Value, StoreError>,
) -> Result<Change, StoreError> {
    write_tx(conn, |conn| {
        let before = load_for(conn, request, change_move)?;
        let to = workflow::next(&before.state(request.rules.policy.dinas_tests_special), command).map_err(refused)?;
        let mut after = before.clone();
        after.status = to;
        let detail = change(conn, &before, &mut after)?;
        commit(conn, ctx, request, &before, after, kind, detail)
    })
}

/// `draft -> submitted`: the request is complete enough to analyse.
pub fn submit(conn: &mut DbConnection, ctx: &Context, request: &MoveRequest<'_>) -> Result<Change, StoreError> {
    run(conn, ctx, request, ChangeMove::Submit, Command::Submit, ChangeEventKind::Submitted, |_, _, _| Ok(json!({})))
}

/// `submitted -> assessing`: analysis begins.
pub fn start_assessment(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
) -> Result<Change, StoreError> {
    run(conn, ctx, request, ChangeMove::Assess, Command::Assess, ChangeEventKind::AssessmentStarted, |_, _, _| {
        Ok(json!({}))
    })
}

/// The analysis is complete: what approval needs is written down.
fn check_analysed(change: &Change) -> Result<(), StoreError> {
    let analysis = Analysis {
        risk: change.risk.as_ref(),
        impact_analysis: &change.impact_analysis,
        implementation_plan: &change.implementation_plan,
        test_plan: &change.test_plan,
        rollback_plan: &change.rollback_plan,
    };
    ready_for_approval(&analysis).map_err(StoreError::Invalid)
}

/// `assessing -> awaiting_approval` (a standard change: `-> approved`).
pub fn request_approval(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
) -> Result<Change, StoreError> {
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::RequestApproval)?;
        let to = workflow::next(&before.state(request.rules.policy.dinas_tests_special), Command::RequestApproval)
            .map_err(refused)?;
        check_analysed(&before)?;
        if to == ChangeStatus::AwaitingApproval {
            super::round::check_staffed(conn, &request.rules.policy, &before)?;
        }
        let mut after = before.clone();
        after.status = to;
        after.approval_requested_at = Some(ctx.now);
        if to == ChangeStatus::Approved {
            after.decided_at = Some(ctx.now);
            let detail = json!({ "pre_approved_by_template": before.template_id });
            return commit(conn, ctx, request, &before, after, ChangeEventKind::Approved, detail);
        }
        commit(conn, ctx, request, &before, after, ChangeEventKind::ApprovalRequested, json!({}))
    })
}

/// `scheduled -> implementing` (an approved emergency change may start unscheduled).
pub fn start(conn: &mut DbConnection, ctx: &Context, request: &MoveRequest<'_>) -> Result<Change, StoreError> {
    run(conn, ctx, request, ChangeMove::Start, Command::Start, ChangeEventKind::Started, |_, before, after| {
        after.actual_start = Some(ctx.now);
        // The board reviews an emergency change after the fact.
        after.board_review_pending = before.change_type == ChangeType::Emergency;
        Ok(json!({ "actual_start": ctx.now }))
    })
}

/// `implementing -> reviewing`: the work is over, with its outcome.
pub fn complete(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    outcome: Outcome,
    notes: Option<String>,
) -> Result<Change, StoreError> {
    let due = ctx.now + Duration::days(i64::from(request.rules.review_due_days));
    run(conn, ctx, request, ChangeMove::Complete, Command::Complete, ChangeEventKind::Implemented, |_, _, after| {
        after.actual_end = Some(ctx.now);
        after.outcome = Some(outcome);
        after.outcome_notes = notes.clone();
        after.review_due_at = Some(due);
        Ok(json!({ "outcome": outcome, "notes": notes, "review_due_at": due }))
    })
}

/// A follow-up action to write in a review.
#[derive(Debug, Clone)]
pub struct FollowUpDraft {
    pub action: String,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
}

/// `reviewing -> completed`: the post-implementation review.
pub fn review(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    findings: String,
    follow_ups: &[FollowUpDraft],
) -> Result<Change, StoreError> {
    let command = Command::Review { follow_ups: follow_ups.len() };
    run(conn, ctx, request, ChangeMove::Review, command, ChangeEventKind::Reviewed, |conn, before, after| {
        for (index, follow_up) in follow_ups.iter().enumerate() {
            let active: Option<bool> =
                users::table.find(DbId(follow_up.owner_id)).select(users::active).first(conn).optional()?;
            if active != Some(true) {
                return Err(invalid(&format!("follow_ups[{index}].owner_id"), "no such active user"));
            }
            diesel::insert_into(change_follow_ups::table)
                .values((
                    change_follow_ups::change_id.eq(DbId(before.id)),
                    change_follow_ups::position.eq(i32::try_from(index + 1).unwrap_or(i32::MAX)),
                    change_follow_ups::action.eq(&follow_up.action),
                    change_follow_ups::owner_id.eq(DbId(follow_up.owner_id)),
                    change_follow_ups::due_on.eq(follow_up.due_on.to_string()),
                    change_follow_ups::done.eq(false),
                ))
                .execute(conn)?;
        }
        after.review_findings = Some(findings.clone());
        after.reviewed_at = Some(ctx.now);
        Ok(json!({ "findings": findings, "follow_ups": follow_ups.len() }))
    })
}

/// Cancels a change before implementation.
pub fn cancel(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    reason: String,
) -> Result<Change, StoreError> {
    // Calendar clients accept a cancellation with a higher SEQUENCE: `commit` raises it.
    run(conn, ctx, request, ChangeMove::Cancel, Command::Cancel, ChangeEventKind::Cancelled, |_, _, _| {
        Ok(json!({ "reason": reason }))
    })
}

/// Marks a follow-up action done (or open again).
pub fn update_follow_up(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    position: i32,
    done: bool,
) -> Result<Change, StoreError> {
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::UpdateFollowUp)?;
        let Some(current) = before.follow_ups.iter().find(|f| f.position == position) else {
            return Err(StoreError::NotFound);
        };
        if current.done == done {
            return Ok(before);
        }
        diesel::update(change_follow_ups::table.find((DbId(before.id), position)))
            .set((change_follow_ups::done.eq(done), change_follow_ups::done_at.eq(done.then(|| ctx.now.naive_utc()))))
            .execute(conn)?;
        let mut after = find_any(conn, before.id)?;
        after.status = before.status;
        commit(
            conn,
            ctx,
            request,
            &before,
            after,
            ChangeEventKind::FollowUpUpdated,
            json!({ "position": position, "done": done }),
        )
    })
}

/// Links a ticket: one that asked for the change (`origin`) or an incident
/// it caused (`caused`).
pub fn link_ticket(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    ticket_id: Uuid,
    relation: &str,
) -> Result<Change, StoreError> {
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::LinkTicket)?;
        if before.tickets.iter().any(|t| t.ticket_id == ticket_id) {
            return Err(StoreError::Conflict("The ticket is already linked to this change.".into()));
        }
        let scope = crate::domain::ticket::access::TicketScope::of(request.principal);
        let numbers = super::create::link_tickets(conn, ctx, &scope, before.id, &[ticket_id], relation, "ticket_id")?;
        let after = find_any(conn, before.id)?;
        let detail = json!({ "ticket_id": ticket_id, "number": numbers.first(), "relation": relation });
        commit(conn, ctx, request, &before, after, ChangeEventKind::TicketLinked, detail)
    })
}
