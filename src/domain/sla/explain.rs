//! A clock told in words, in the calendar's local time, so a supervisor
//! can check a due time by hand.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::calendar::WorkingCalendar;
use super::clock::{Clock, Standing};
use super::target::Target;

fn local(cal: &WorkingCalendar, t: DateTime<Utc>) -> String {
    t.with_timezone(&cal.zone).format("%a %-d %b %Y %H:%M %Z").to_string()
}

fn minutes(d: Duration) -> String {
    let m = d.num_minutes();
    if m.abs() >= 60 {
        format!("{} h {:02} min", m / 60, (m % 60).abs())
    } else {
        format!("{m} min")
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn target_words(target: Target) -> String {
    match target {
        Target::BusinessMinutes(n) => plural(n, "business minute", "business minutes"),
        Target::BusinessDays(n) => plural(n, "working day", "working days"),
        Target::CalendarHours(n) => plural(n, "calendar hour", "calendar hours") + " (working time or not)",
    }
}

/// " (the close of that working day)" when `due` ends a day's work.
fn at_close(cal: &WorkingCalendar, due: DateTime<Utc>) -> &'static str {
    let date = due.with_timezone(&cal.zone).date_naive();
    let closes = super::math::windows_on(cal, date).last().is_some_and(|w| w.1 == due);
    if closes {
        ", by the end of that working day"
    } else {
        ""
    }
}

/// One paragraph: target, start, special hours, holidays, pauses, due time and outcome.
pub fn explain(
    clock: &Clock,
    cal: &WorkingCalendar,
    due_at: Option<DateTime<Utc>>,
    holidays: &[(NaiveDate, String)],
    now: DateTime<Utc>,
) -> String {
    let mut parts = vec![format!("Target {} from {}.", target_words(clock.target), local(cal, clock.started_at))];
    let first = clock.started_at.with_timezone(&cal.zone).date_naive();
    let last = due_at.unwrap_or(now).with_timezone(&cal.zone).date_naive();
    let specials = cal.specials_between(first, last.max(first));
    if !specials.is_empty() {
        let list: Vec<String> = specials
            .iter()
            .map(|s| {
                let name = if s.name.is_empty() { "special hours" } else { s.name.as_str() };
                format!("{name} ({} to {})", s.from, s.to)
            })
            .collect();
        parts.push(format!("Special hours applied: {}.", list.join(", ")));
    }
    if !holidays.is_empty() {
        let list: Vec<String> = holidays.iter().map(|(d, name)| format!("{d} {name}")).collect();
        parts.push(format!("Holidays skipped: {}.", list.join(", ")));
    }
    if !clock.pauses.is_empty() {
        let paused = clock.paused_time(cal, now);
        let times = u32::try_from(clock.pauses.len()).unwrap_or(u32::MAX);
        parts.push(format!("Paused {}, {} of clock time in all.", plural(times, "time", "times"), minutes(paused)));
    }
    let elapsed = clock.elapsed(cal, now);
    match (clock.standing(due_at, now), due_at) {
        (Standing::Paused, _) => {
            parts.push(format!("Paused now after {} run; no due time until it resumes.", minutes(elapsed)))
        }
        (Standing::Running, Some(due)) => parts.push(format!(
            "Due {}{}; {} run, {} left.",
            local(cal, due),
            at_close(cal, due),
            minutes(elapsed),
            minutes(clock.measure(cal, now, due))
        )),
        (Standing::Met, Some(due)) => parts.push(format!(
            "Met at {} with {} run, {} before the due time {}.",
            clock.stopped_at.map(|t| local(cal, t)).unwrap_or_default(),
            minutes(elapsed),
            minutes(clock.measure(cal, clock.stopped_at.unwrap_or(due), due)),
            local(cal, due)
        )),
        (Standing::Breached, Some(due)) => parts.push(format!(
            "Breached: due {}, {} over.",
            local(cal, due),
            minutes(clock.measure(cal, due, clock.stopped_at.unwrap_or(now)))
        )),
        (_, None) => parts.push(format!("{} run.", minutes(elapsed))),
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::clock::ClockKind;
    use crate::domain::sla::math::tests::{majene_2026, wita};

    #[test]
    fn ramadan_hours_are_named_and_a_due_time_at_the_close_says_so() {
        let mut cal = majene_2026();
        for special in &mut cal.special {
            special.name = "Ramadan 1447 H".into();
        }
        // Monday 2 March 2026 08:00 WITA, Ramadan hours 08:00–15:00 with a break: one working day.
        let clock = Clock::start(ClockKind::Resolution, Target::BusinessDays(1), 75, wita(2026, 3, 2, 8, 0));
        let due = clock.schedule(&cal).unwrap().map(|s| s.due_at);
        let text = explain(&clock, &cal, due, &[], wita(2026, 3, 2, 9, 0));
        assert!(text.contains("Special hours applied: Ramadan 1447 H (2026-02-18 to 2026-03-19)."), "{text}");
        assert!(text.contains("by the end of that working day"), "{text}");
    }

    #[test]
    fn the_worked_example_reads_as_a_supervisor_would_check_it() {
        let cal = majene_2026();
        let clock = Clock::start(ClockKind::Resolution, Target::BusinessMinutes(240), 75, wita(2026, 8, 14, 15, 50));
        let due = clock.schedule(&cal).unwrap().map(|s| s.due_at);
        let holidays = clock.holidays_skipped(&cal, due.unwrap());
        let text = explain(&clock, &cal, due, &holidays, wita(2026, 8, 18, 8, 0));
        assert_eq!(
            text,
            "Target 240 business minutes from Fri 14 Aug 2026 15:50 WITA. Holidays skipped: 2026-08-17 libur. \
             Due Tue 18 Aug 2026 10:50 WITA; 1 h 10 min run, 2 h 50 min left."
        );
    }
}
