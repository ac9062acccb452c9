//! Tickets: the five kinds of *Pelayanan Pengguna SPBE* request, their
//! priority, and the tier-1/tier-2 workflow.

pub mod access;
pub mod attachment;
pub mod escalation;
pub mod intake;
pub mod kinds;
pub mod priority;
pub mod problem_link;
pub mod rating;
pub mod workflow;

pub use kinds::{Channel, Level, PendingReason, Priority, ResolutionCode, Status, TicketType, Tier};
pub use priority::PriorityMatrix;
pub use workflow::{Command, TicketState, TransitionError};
