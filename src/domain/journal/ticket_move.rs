//! The event of a ticket's workflow move, built once for every writer of
//! moves (the service's moves, the sweeper's auto-escalation, the data
//! generator): what the command carried and what it did to the SLA clocks
//! (`move_record`).

use super::event::Event;
use super::move_record::{MoveClocks, MoveDetail};
use crate::domain::ticket::workflow::{Command, TicketState};

impl Event {
    /// The event of `command` moving a ticket from `before` to `next`.
    pub fn ticket_moved(command: &Command, before: &TicketState, next: &TicketState, clocks: MoveClocks) -> Self {
        Event::TicketMoved {
            command: command.kind(),
            from: (before.status, before.tier),
            to: (next.status, next.tier),
            detail: MoveDetail::of(command, next),
            clocks,
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::domain::ticket::{Status, Tier};

    #[test]
    fn starting_records_who_took_the_ticket() {
        let before = TicketState::filed(Tier::One);
        let taker = Uuid::from_u128(3);
        let next = TicketState { status: Status::InProgress, assignee: Some(taker), ..before.clone() };
        let event = Event::ticket_moved(&Command::Start { actor: taker }, &before, &next, MoveClocks::default());
        assert_eq!(event.movement(), (Some((Status::New, Tier::One)), Some((Status::InProgress, Tier::One))));
        assert_eq!(event.payload()["assignee_id"], taker.to_string());
        assert_eq!(event.payload()["sla"]["pauses"], false);
    }
}
