//! SLA clocks on tickets: the context they run under, their rows, how
//! ticket moves drive them. Below `tickets`, which drives them; the
//! sweeper's step (`sla_sweep`) and the report (`sla_report`) read tickets
//! and sit above.

pub mod clocks;
pub mod context;
pub mod lifecycle;
pub mod recompute;
pub mod replay;
