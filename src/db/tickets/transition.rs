//! Workflow moves on a ticket, each with its event and audit record in one
//! transaction.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::{find, find_any, lock, Ticket};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{tickets, users};
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::versioned::{self, Guard, Versioned};
use crate::db::{sla, write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Principal;
use crate::domain::role::RoleSet;
use crate::domain::ticket::access::{self, TicketScope};
use crate::domain::ticket::escalation::auto_escalation;
use crate::domain::ticket::workflow::{self, CommandKind};
use crate::domain::ticket::{Command, PendingReason, ResolutionCode, Status, TicketState, TicketType};
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;

/// A workflow move, optionally guarded by the version the client read.
pub struct TransitionRequest {
    pub command: Command,
    pub precondition: Precondition,
    /// For a problem: resolve its linked tickets in the same step.
    pub resolve_linked: bool,
}

/// The columns a move writes: the state the workflow returned.
#[derive(AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
struct MoveChangeset {
    status: Status,
    tier: i16,
    #[diesel(serialize_as = OptionalDbId)]
    assignee_id: Option<Uuid>,
    resolved_at: Option<NaiveDateTime>,
    pending_reason: Option<PendingReason>,
    resolution_code: Option<ResolutionCode>,
    resolution: Option<String>,
    closed_at: Option<NaiveDateTime>,
    tier2_involved: bool,
    escalation_count: i32,
    last_escalated_at: Option<NaiveDateTime>,
    reopen_count: i32,
}

impl MoveChangeset {
    fn of(next: &TicketState) -> Self {
        let naive = |at: Option<DateTime<Utc>>| at.map(|at| at.naive_utc());
        Self {
            status: next.status,
            tier: i16::from(next.tier),
            assignee_id: next.assignee,
            resolved_at: naive(next.resolved_at),
            pending_reason: next.pending_reason,
            resolution_code: next.resolution_code,
            resolution: next.resolution.clone(),
            closed_at: naive(next.closed_at),
            tier2_involved: next.tier2_involved,
            escalation_count: next.escalation_count,
            last_escalated_at: naive(next.last_escalated_at),
            reopen_count: next.reopen_count,
        }
    }
}

fn check_assignee(conn: &mut DbConnection, ticket: &Ticket, assignee: Uuid) -> Result<(), StoreError> {
    let candidate = users::table
        .find(DbId(assignee))
        .select((users::unit_id, users::roles, users::active))
        .first::<(Uuid, String, bool)>(conn)
        .optional()?;
    let eligible = match candidate {
        Some((unit, roles, active)) => {
            let roles = RoleSet::from_stored(&roles).map_err(|e| StoreError::Corrupt(e.to_string()))?.to_vec();
            access::eligible_assignee(ticket.tier, ticket.unit_id, unit, &roles, active)
        }
        None => false,
    };
    if eligible {
        Ok(())
    } else {
        let who = match ticket.tier {
            crate::domain::ticket::Tier::One => "an active tier-1 technician of the ticket's unit",
            crate::domain::ticket::Tier::Two => "an active tier-2 engineer",
        };
        Err(StoreError::Invalid(ValidationErrors::single("assignee_id", format!("must be {who}"))))
    }
}

/// Writes one move: the row (guarded by version), its event and audit.
fn write_move(
    conn: &mut DbConnection,
    ctx: &Context,
    before: &Ticket,
    guard: Guard,
    command: &Command,
    next: &TicketState,
) -> Result<(), StoreError> {
    let (clocks, summary) = sla::lifecycle::after_move(conn, ctx, &before.clocked(), command, next)?;
    // The state, version and clock summary in one row update: each update
    // of a ticket's row writes every index of it again.
    let updated = diesel::update(tickets::table.find(DbId(before.id)))
        .filter(tickets::version.eq(guard.read_version()))
        .set((
            MoveChangeset::of(next),
            summary.as_ref().map(sla::clocks::Summary::columns),
            tickets::version.eq(guard.read_version() + 1),
            tickets::updated_at.eq(ctx.now.naive_utc()),
        ))
        .execute(conn)?;
    guard.confirm(updated)?;
    let after = find_any(conn, before.id)?;
    let event = Event::ticket_moved(command, &before.state(), next, clocks);
    let entry = Entry::new(Subject::Ticket(before.id), event).states(Some(snapshot(before)?), Some(snapshot(&after)?));
    journal::record(conn, ctx, entry)
}

/// Resolves the open tickets linked to a problem, as part of its resolution.
fn resolve_linked(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    problem: &Ticket,
    code: ResolutionCode,
    text: &str,
) -> Result<(), StoreError> {
    let linked: Vec<Uuid> = tickets::table
        .filter(tickets::problem_id.eq(DbId(problem.id)))
        .select(tickets::id)
        .order(tickets::id.asc())
        .load(conn)?;
    let resolution = format!("Diselesaikan bersama masalah {}: {text}", problem.number);
    let command = Command::Resolve { code, resolution };
    let (mut resolved, mut skipped) = (Vec::new(), Vec::new());
    for id in linked {
        lock(conn, id)?;
        let ticket = find_any(conn, id)?;
        let state = ticket.state();
        // Only tickets the resolver's desk works are resolved with it.
        if workflow::permits(&state, CommandKind::Resolve)
            && access::may(principal, &ticket.facts(), CommandKind::Resolve)
        {
            let next = workflow::apply(&state, &command, ctx.now, Duration::zero())
                .map_err(|e| StoreError::Conflict(e.to_string()))?;
            let guard = versioned::unconditional(Versioned::Ticket, ticket.id, ticket.version);
            write_move(conn, ctx, &ticket, guard, &command, &next)?;
            resolved.push(ticket.number);
        } else if !matches!(ticket.status, Status::Resolved | Status::Closed) {
            skipped.push(ticket.number);
        }
    }
    // Say on the problem's timeline what the cascade did and did not do.
    let event = Event::LinkedTicketsResolved { resolved, left_open: skipped };
    journal::record(conn, ctx, Entry::new(Subject::Ticket(problem.id), event))
}

/// Applies a workflow command for `principal`, who must see the ticket.
pub fn transition(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    id: Uuid,
    request: &TransitionRequest,
    reopen_window: Duration,
) -> Result<Ticket, StoreError> {
    write_tx(conn, |conn| {
        lock(conn, id)?;
        let before = find(conn, &TicketScope::of(principal), id)?;
        let guard = versioned::check(Versioned::Ticket, id, before.version, &request.precondition)?;
        let kind = request.command.kind();
        super::rights::check_move(principal, &before, kind)?;
        let next = workflow::apply(&before.state(), &request.command, ctx.now, reopen_window)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        match request.command {
            Command::Assign { assignee } => check_assignee(conn, &before, assignee)?,
            // Starting an unassigned ticket hands it to whoever starts it.
            Command::Start { actor } if before.assignee_id.is_none() && workflow::permits(&before.state(), kind) => {
                check_assignee(conn, &before, actor).map_err(|_| {
                    StoreError::Invalid(ValidationErrors::single(
                        "assignee_id",
                        "starting an unassigned ticket takes it, and you cannot hold it; assign it to a technician first",
                    ))
                })?
            }
            _ => {}
        }
        write_move(conn, ctx, &before, guard, &request.command, &next)?;
        if let (true, TicketType::Problem, Command::Resolve { code, resolution }) =
            (request.resolve_linked, before.ticket_type, &request.command)
        {
            resolve_linked(conn, ctx, principal, &before, *code, resolution)?;
        }
        find_any(conn, id)
    })
}

/// The sweeper's escalation of a ticket whose tier-1 resolution target was
/// breached; `false` if the ticket can no longer be escalated.
pub fn auto_escalate(conn: &mut DbConnection, ctx: &Context, ticket: &Ticket) -> Result<bool, StoreError> {
    let state = ticket.state();
    if !workflow::permits(&state, CommandKind::Escalate) {
        return Ok(false);
    }
    let command = auto_escalation();
    let next = workflow::apply(&state, &command, ctx.now, Duration::zero())
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let guard = versioned::unconditional(Versioned::Ticket, ticket.id, ticket.version);
    write_move(conn, ctx, ticket, guard, &command, &next)?;
    Ok(true)
}
