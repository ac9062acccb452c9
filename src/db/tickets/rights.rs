//! What a caller may do to a ticket whatever its request carries. The
//! store functions check it in their transactions; handlers check it
//! before they read a body too, so that a caller without the right is
//! refused without learning the body's rules (the transaction checks again:
//! the ticket may have moved in between).

use super::Ticket;
use crate::db::versioned::{self, Versioned};
use crate::db::StoreError;
use crate::domain::policy::Principal;
use crate::domain::ticket::access;
use crate::domain::ticket::rating::check_may_rate;
use crate::domain::ticket::workflow::{self, CommandKind};
use crate::domain::ticket::Status;
use crate::domain::version::Precondition;

/// The things done to a ticket that take a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRight {
    Move(CommandKind),
    /// Edit its fields (`PATCH`).
    Edit,
    Rate,
    /// Comment on it, or attach a file.
    Comment,
    /// Link a ticket to it, a problem.
    LinkToProblem,
}

/// Refuses a move no body could make, in the order the move checks: the
/// state first (a move that lost a race, or was clicked twice, is a
/// conflict for everyone who sees the ticket), then the caller's right.
pub fn check_move(principal: &Principal, ticket: &Ticket, kind: CommandKind) -> Result<(), StoreError> {
    workflow::check(&ticket.state(), kind).map_err(|e| StoreError::Conflict(e.to_string()))?;
    if !access::may(principal, &ticket.facts(), kind) {
        return Err(StoreError::Forbidden(format!("your roles do not allow you to {} this ticket", kind.as_str())));
    }
    Ok(())
}

/// The desk working the ticket edits everything; its reporter only the
/// title and description (`text_only`) while it is still `new`.
pub fn check_edit(principal: &Principal, ticket: &Ticket, text_only: bool) -> Result<(), StoreError> {
    if !access::may_edit(principal, &ticket.facts(), ticket.status, text_only) {
        return Err(StoreError::Forbidden("only the desk working the ticket may edit it".to_owned()));
    }
    if ticket.status == Status::Closed {
        return Err(StoreError::Conflict("a closed ticket cannot be edited".to_owned()));
    }
    Ok(())
}

/// The reporter rates the service once, after resolution.
pub fn check_rate(principal: &Principal, ticket: &Ticket) -> Result<(), StoreError> {
    if !access::may_rate(principal, &ticket.facts()) {
        return Err(StoreError::Forbidden("only the reporter rates the service they received".to_owned()));
    }
    check_may_rate(ticket.status, ticket.rating.is_some()).map_err(|e| StoreError::Conflict(e.to_string()))
}

/// A closed ticket takes nothing; the rest `access::may_comment` decides
/// (`what` names the thing refused).
pub fn check_comment(principal: &Principal, ticket: &Ticket, internal: bool, what: &str) -> Result<(), StoreError> {
    if ticket.status == Status::Closed {
        return Err(StoreError::Conflict("a closed ticket takes no comments or files; reopen it first".to_owned()));
    }
    if !access::may_comment(principal, &ticket.facts(), internal) {
        return Err(StoreError::Forbidden(format!("your roles do not allow {what} on this ticket")));
    }
    Ok(())
}

/// Linking needs a desk that works both tickets; `problem` and `linked`
/// are checked alike.
pub fn check_link(principal: &Principal, problem: &Ticket, linked: Option<&Ticket>) -> Result<(), StoreError> {
    if !std::iter::once(problem).chain(linked).all(|t| access::works_queue(principal, &t.facts())) {
        return Err(StoreError::Forbidden(
            "linking needs a desk that works both the problem and the ticket (or a supervisor)".to_owned(),
        ));
    }
    Ok(())
}

/// Whether `right` could be exercised on `ticket` under `precondition` with
/// some body: what the store would refuse before it looks at the body, in
/// the store's order (`If-Match` first, as the write checks it first).
pub fn admit(
    principal: &Principal,
    ticket: &Ticket,
    precondition: &Precondition,
    right: TicketRight,
) -> Result<(), StoreError> {
    // Only the check: the write takes its own guard in its transaction.
    versioned::check(Versioned::Ticket, ticket.id, ticket.version, precondition).map(|_guard| ())?;
    match right {
        TicketRight::Move(kind) => check_move(principal, ticket, kind),
        // The reporter's narrower edit is the most any body may ask.
        TicketRight::Edit => check_edit(principal, ticket, true),
        TicketRight::Rate => check_rate(principal, ticket),
        TicketRight::Comment => check_comment(principal, ticket, false, "comments"),
        TicketRight::LinkToProblem => check_link(principal, ticket, None),
    }
}
