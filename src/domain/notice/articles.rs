//! Which article events reach webhooks and mail, and which subscriptions
//! hear of an article: scoped as tickets are, by the article's owning unit,
//! and the Dinas's own articles only where every unit is read.

use uuid::Uuid;

use super::reach::{self, Reach};
use crate::domain::knowledge::ArticleAudience;

/// The article events a webhook subscription may name.
pub const KNOWLEDGE_EVENTS: &[&str] = &["knowledge.published", "knowledge.retired", "knowledge.flagged"];
/// The event whose mail tells an article's owners that a reader flagged it.
pub const FLAGGED: &str = "knowledge.flagged";
/// The event whose mail tells an article's owners its review fell due
/// (mail only: no subscription names it).
pub const REVIEW_DUE: &str = "knowledge.review_due";

/// Whether `event` is queued for notices.
pub fn is_told(event: &str) -> bool {
    KNOWLEDGE_EVENTS.contains(&event) || event == REVIEW_DUE
}

/// Whether `event` reaches webhook subscriptions.
pub fn is_delivered(event: &str) -> bool {
    KNOWLEDGE_EVENTS.contains(&event)
}

/// Whether a subscription narrowed to `scope` whose owner has `reach`
/// hears of an article owned by `owner_unit` for `audience`.
pub fn delivers(reach: Reach, scope: Option<Uuid>, owner_unit: Uuid, audience: ArticleAudience) -> bool {
    reach::sees(reach, scope, owner_unit) && (audience != ArticleAudience::Dinas || reach == Reach::EveryUnit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_reach_subscriptions_as_tickets_do() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(delivers(Reach::EveryUnit, None, a, ArticleAudience::Dinas));
        assert!(delivers(Reach::EveryUnit, Some(a), a, ArticleAudience::Everyone));
        assert!(!delivers(Reach::EveryUnit, Some(b), a, ArticleAudience::Everyone), "scoped to another unit");
        assert!(delivers(Reach::Unit(a), None, a, ArticleAudience::Desks));
        assert!(!delivers(Reach::Unit(b), None, a, ArticleAudience::Everyone));
        assert!(!delivers(Reach::Unit(a), None, a, ArticleAudience::Dinas), "the Dinas's own stay in the Dinas");
        assert!(is_told("knowledge.flagged") && !is_told("knowledge.rated"));
    }
}
