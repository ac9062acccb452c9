//! Self-service: a reporter who opens a published article and then files
//! no ticket on its service within a day was helped by the article.

use chrono::{DateTime, Duration, Utc};

use crate::domain::policy::{Actor, Principal};
use crate::domain::role::Role;

/// How long after a view a ticket on the same service means the article
/// did not help.
pub const SELF_SERVICE_WINDOW_HOURS: i64 = 24;
/// Views of one article by one reader are counted at most once an hour.
pub const VIEW_EVERY_MINUTES: i64 = 60;

/// Whose views are counted: reporters, the people self-service is for
/// (a desk reading an article is solving someone else's ticket).
pub fn counts_views(principal: &Principal) -> bool {
    matches!(principal.actor, Actor::User(_))
        && principal.has(Role::Reporter)
        && ![Role::Tier1Technician, Role::Tier2Engineer, Role::Supervisor].iter().any(|r| principal.has(*r))
}

/// Whether a view at `viewed_at` was solved by self-service, given when the
/// reporter next filed a ticket on the article's service after it (if
/// ever), as seen at `now` (a view younger than the window is undecided:
/// `None`).
pub fn solved_by_self_service(
    viewed_at: DateTime<Utc>,
    next_ticket_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<bool> {
    let window_end = viewed_at + Duration::hours(SELF_SERVICE_WINDOW_HOURS);
    match next_ticket_at {
        Some(filed) if filed >= viewed_at && filed <= window_end => Some(false),
        _ if now < window_end => None,
        _ => Some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_without_a_ticket_within_a_day_is_solved() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().with_timezone(&Utc);
        let hours = |h: i64| at + Duration::hours(h);
        assert_eq!(solved_by_self_service(at, None, hours(25)), Some(true));
        assert_eq!(solved_by_self_service(at, Some(hours(3)), hours(25)), Some(false));
        assert_eq!(
            solved_by_self_service(at, Some(hours(30)), hours(31)),
            Some(true),
            "a later ticket is another matter"
        );
        assert_eq!(solved_by_self_service(at, None, hours(5)), None, "not decided within the day");
        assert_eq!(solved_by_self_service(at, Some(hours(2)), hours(5)), Some(false));
    }
}
