//! Changing a ticket outside the workflow: field edits, ratings, problem
//! links and the recompute of its SLA clocks, each with its event and audit
//! record in one transaction.

use diesel::prelude::*;
use uuid::Uuid;

use super::{find, find_any, lock, priority_rank, rights, Ticket};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{services, tickets};
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Principal;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::problem_link::{check_link, LinkError};
use crate::domain::ticket::rating::TicketRating;
use crate::domain::ticket::{Level, PriorityMatrix};
use crate::domain::validation::ValidationErrors;
use crate::domain::version::{keeps, Precondition};

/// Moves the running clocks of a ticket the caller sees onto the current
/// calendar and policy versions (`sla::recompute`); the ticket as it is then.
pub fn recompute_sla(
    conn: &mut DbConnection,
    ctx: &Context,
    scope: &TicketScope,
    ticket_id: Uuid,
    reason: &str,
) -> Result<Ticket, StoreError> {
    write_tx(conn, |conn| {
        lock(conn, ticket_id)?;
        let ticket = find(conn, scope, ticket_id)?;
        crate::db::sla::recompute::recompute(conn, ctx, &ticket.clocked(), reason)?;
        find_any(conn, ticket_id)
    })
}

/// Fields of a ticket that can be edited (not its workflow state).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    pub service_id: Option<Uuid>,
    pub complaint_ref: Option<Option<String>>,
}

impl TicketPatch {
    /// Whether the patch would leave `ticket` as it is (every given field
    /// equal to the stored one, or none given).
    fn changes_nothing(&self, ticket: &Ticket) -> bool {
        keeps(self.title.as_deref(), ticket.title.as_str())
            && keeps(self.description.as_deref(), ticket.description.as_str())
            && keeps(self.impact, ticket.impact)
            && keeps(self.urgency, ticket.urgency)
            && keeps(self.service_id, ticket.service_id)
            && keeps(self.complaint_ref.as_ref().map(Option::as_deref), ticket.complaint_ref.as_deref())
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = tickets)]
struct PatchChangeset {
    title: Option<String>,
    description: Option<String>,
    impact: Option<String>,
    urgency: Option<String>,
    priority: Option<String>,
    priority_rank: Option<i16>,
    #[diesel(serialize_as = DbId)]
    service_id: Option<Uuid>,
    complaint_ref: Option<Option<String>>,
}

/// Edits a ticket if `precondition` admits its version. The desk working it
/// may change everything here; its reporter only the title and description
/// while it is still `new`. A patch that changes nothing answers the ticket
/// as it is, at the same version, with nothing journaled.
pub fn patch(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    id: Uuid,
    precondition: &Precondition,
    changes: &TicketPatch,
    matrix: &PriorityMatrix,
) -> Result<Ticket, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, &TicketScope::of(principal), id)?;
        let guard = versioned::check(Versioned::Ticket, id, before.version, precondition)?;
        let text_only = changes.impact.is_none()
            && changes.urgency.is_none()
            && changes.service_id.is_none()
            && changes.complaint_ref.is_none();
        rights::check_edit(principal, &before, text_only)?;
        if changes.changes_nothing(&before) {
            return Ok(before);
        }
        if let Some(service) = changes.service_id {
            let active: Option<bool> =
                services::table.find(DbId(service)).select(services::active).first(conn).optional()?;
            if active != Some(true) {
                return Err(StoreError::Invalid(ValidationErrors::single("service_id", "no such active service")));
            }
        }
        let impact = changes.impact.unwrap_or(before.impact);
        let urgency = changes.urgency.unwrap_or(before.urgency);
        let priority = matrix.priority(impact, urgency);
        let priority_changed = priority != before.priority;
        let changeset = PatchChangeset {
            title: changes.title.clone(),
            description: changes.description.clone(),
            impact: changes.impact.map(|l| l.as_str().to_owned()),
            urgency: changes.urgency.map(|l| l.as_str().to_owned()),
            priority: priority_changed.then(|| priority.as_str().to_owned()),
            priority_rank: priority_changed.then(|| priority_rank(priority)),
            service_id: changes.service_id,
            complaint_ref: changes.complaint_ref.clone(),
        };
        guard.bump(conn, ctx.now)?;
        diesel::update(tickets::table.find(DbId(id))).set(changeset).execute(conn)?;
        let retargets = if priority_changed {
            crate::db::sla::lifecycle::after_priority_change(conn, ctx, &before.clocked(), priority)?
        } else {
            Vec::new()
        };
        let after = find_any(conn, id)?;
        let mut fields = Vec::new();
        for (name, changed) in [
            ("title", after.title != before.title),
            ("description", after.description != before.description),
            ("impact", after.impact != before.impact),
            ("urgency", after.urgency != before.urgency),
            ("service_id", after.service_id != before.service_id),
            ("complaint_ref", after.complaint_ref != before.complaint_ref),
        ] {
            if changed {
                fields.push(name);
            }
        }
        let event =
            Event::TicketUpdated { fields, from_priority: before.priority, to_priority: after.priority, retargets };
        let entry = Entry::new(Subject::Ticket(id), event).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        // Another service may have its own calendar and policy: the clocks
        // take them now, not at some later recompute.
        if after.service_id != before.service_id && crate::db::sla::recompute::follow_move(conn, ctx, &after.clocked())?
        {
            return find_any(conn, id);
        }
        Ok(after)
    })
}

/// Records the reporter's satisfaction rating (1–5) once, after resolution.
pub fn rate(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    id: Uuid,
    rating: TicketRating,
) -> Result<Ticket, StoreError> {
    let (rating, remark) = (rating.rating.value(), rating.remark.map(String::from));
    write_tx(conn, |conn| {
        lock(conn, id)?;
        let before = find(conn, &TicketScope::of(principal), id)?;
        rights::check_rate(principal, &before)?;
        versioned::unconditional(Versioned::Ticket, id, before.version).bump(conn, ctx.now)?;
        diesel::update(tickets::table.find(DbId(id)))
            .set((tickets::rating.eq(rating), tickets::rating_remark.eq(&remark)))
            .execute(conn)?;
        let after = find_any(conn, id)?;
        let event = Event::TicketRated { rating, remark };
        let entry = Entry::new(Subject::Ticket(id), event).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Links `ticket_id` to the problem `problem_id` (or unlinks it with `None`).
pub fn set_problem(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket_id: Uuid,
    problem_id: Option<Uuid>,
) -> Result<Ticket, StoreError> {
    write_tx(conn, |conn| {
        let scope = TicketScope::of(principal);
        let linked_to = find(conn, &scope, ticket_id)?.problem_id;
        let problem_id_to_lock = problem_id.or(linked_to);
        let Some(problem_key) = problem_id_to_lock else {
            return Err(StoreError::Conflict("the ticket is not linked to a problem".to_owned()));
        };
        // Problem first, then ticket: the order resolving a problem takes.
        lock(conn, problem_key)?;
        lock(conn, ticket_id)?;
        let problem = find(conn, &scope, problem_key)?;
        let before = find(conn, &scope, ticket_id)?;
        if before.problem_id != linked_to {
            return Err(StoreError::Conflict("the ticket's problem link changed meanwhile; retry".to_owned()));
        }
        check_link(problem.ticket_type, before.ticket_type).map_err(|e| {
            let field = match e {
                LinkError::NotAProblem => "problem_id",
                LinkError::NotLinkable => "ticket_id",
            };
            StoreError::Invalid(ValidationErrors::single(field, e.to_string()))
        })?;
        rights::check_link(principal, &problem, Some(&before))?;
        versioned::unconditional(Versioned::Ticket, ticket_id, before.version).bump(conn, ctx.now)?;
        diesel::update(tickets::table.find(DbId(ticket_id)))
            .set(tickets::problem_id.eq(OptionalDbId(problem_id)))
            .execute(conn)?;
        let after = find_any(conn, ticket_id)?;
        let (problem_number, ticket_number) = (problem.number.clone(), before.number.clone());
        let (on_ticket, on_problem) = if problem_id.is_some() {
            (
                Event::LinkedToProblem { problem_id: problem.id, problem_number },
                Event::ProblemGainedTicket { ticket_id, ticket_number },
            )
        } else {
            (
                Event::UnlinkedFromProblem { problem_id: problem.id, problem_number },
                Event::ProblemLostTicket { ticket_id, ticket_number },
            )
        };
        let entry = Entry::new(Subject::Ticket(ticket_id), on_ticket);
        journal::record(conn, ctx, entry.states(Some(snapshot(&before)?), Some(snapshot(&after)?)))?;
        journal::record(conn, ctx, Entry::new(Subject::Ticket(problem.id), on_problem))?;
        Ok(after)
    })
}
