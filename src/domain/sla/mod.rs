//! Service levels in business time: working calendars of Indonesian
//! regions and the arithmetic of due times over them.
//!
//! Pure: every function takes the calendar and instants as arguments.

pub mod alerts;
pub mod calendar;
pub mod calendar_rules;
pub mod clock;
pub mod explain;
pub mod holiday;
pub mod lifecycle;
pub mod math;
pub mod policy;
pub mod replay;
pub mod report;
pub mod report_months;
pub mod spec;
pub mod target;
pub mod time_counts;

pub use calendar::{CalendarError, Interval, SpecialSchedule, WeekSchedule, WorkingCalendar};
pub use math::{add_business, business_elapsed, NoWorkingTime};
pub use target::Target;
