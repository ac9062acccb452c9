//! Links between a problem and the incidents and complaints it explains.

use uuid::Uuid;

use super::TicketType;

/// Why a ticket cannot be linked to a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("must be a ticket of type problem")]
    NotAProblem,
    #[error("only incidents and complaints link to a problem")]
    NotLinkable,
}

/// Only incidents and complaints are explained by a problem, and only a
/// ticket of type problem explains them.
pub fn check_link(problem: TicketType, ticket: TicketType) -> Result<(), LinkError> {
    if problem != TicketType::Problem {
        Err(LinkError::NotAProblem)
    } else if !matches!(ticket, TicketType::Incident | TicketType::Complaint) {
        Err(LinkError::NotLinkable)
    } else {
        Ok(())
    }
}

/// The ticket is not linked to the problem it is to be unlinked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ticket is not linked to this problem")]
pub struct NotLinkedError;

/// A ticket is unlinked only from the problem it is linked to (the caller
/// answers as if the link did not exist: there is nothing to remove).
pub fn check_unlink(problem: Uuid, linked_to: Option<Uuid>) -> Result<(), NotLinkedError> {
    if linked_to == Some(problem) {
        Ok(())
    } else {
        Err(NotLinkedError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn incidents_and_complaints_link_to_problems_and_nothing_else_does() {
        assert_eq!(check_link(TicketType::Problem, TicketType::Incident), Ok(()));
        assert_eq!(check_link(TicketType::Problem, TicketType::Complaint), Ok(()));
        assert_eq!(check_link(TicketType::Incident, TicketType::Incident), Err(LinkError::NotAProblem));
        assert_eq!(check_link(TicketType::Problem, TicketType::ServiceRequest), Err(LinkError::NotLinkable));
        assert_eq!(check_link(TicketType::Problem, TicketType::Problem), Err(LinkError::NotLinkable));
    }

    #[test]
    fn a_ticket_is_unlinked_from_its_own_problem() {
        assert_eq!(check_unlink(id(1), Some(id(1))), Ok(()));
    }

    #[test]
    fn a_ticket_linked_to_another_problem_is_not_unlinked() {
        assert_eq!(check_unlink(id(1), Some(id(2))), Err(NotLinkedError));
    }

    #[test]
    fn a_ticket_linked_to_no_problem_is_not_unlinked() {
        assert_eq!(check_unlink(id(1), None), Err(NotLinkedError));
    }
}
