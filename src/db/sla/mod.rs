//! SLA clocks on tickets: the context they run under, their rows, how
//! ticket moves drive them, and the sweeper's step.

pub mod clocks;
pub mod context;
pub mod lifecycle;
pub mod recompute;
pub mod replay;
pub mod report;
pub mod sweep;
