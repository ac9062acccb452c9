//! The knowledge report's figures as the document describes them: the
//! domain's [`KnowledgeFigures`] names no framework, so its schema is this
//! twin, filled field by field (a field added there fails to compile here).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::knowledge::report::KnowledgeFigures;

/// The figures of one group in one month, or a total
/// (`domain::knowledge::report::KnowledgeFigures`, as the document shows it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFigures {
    /// Articles published for the first time.
    pub articles_published: u64,
    /// Every publish, first ones included (each is a version).
    pub versions_published: u64,
    /// Reviews that fell due (by due date).
    pub reviews_due: u64,
    /// Of those, confirmed or republished by the due date.
    pub reviewed_on_time: u64,
    /// Of those, reviewed after the due date.
    pub reviewed_late: u64,
    /// Of those, still not reviewed and past due now.
    pub review_overdue: u64,
    /// Tickets resolved (their latest resolution).
    pub resolved_tickets: u64,
    /// Of those, linked to at least one article.
    pub linked_tickets: u64,
    /// `linked_tickets` over `resolved_tickets`, in percent.
    pub link_rate_percent: Option<f64>,
    /// Links made from tickets to articles (reuse).
    pub links: u64,
    /// Distinct articles those links reused.
    pub articles_reused: u64,
    /// Reporters' openings of published articles.
    pub reporter_views: u64,
    /// Of those, followed by no ticket on the service within the window
    /// (`domain::knowledge::self_service`).
    pub self_service_solutions: u64,
    /// Of those, younger than the window and followed by no ticket yet.
    pub self_service_pending: u64,
    pub rated_helpful: u64,
    pub rated_not_helpful: u64,
    /// `rated_helpful` over all ratings, in percent.
    pub helpful_percent: Option<f64>,
    /// Flags raised (an article said to be wrong).
    pub flags: u64,
}

impl From<KnowledgeFigures> for ReportFigures {
    fn from(figures: KnowledgeFigures) -> Self {
        let KnowledgeFigures {
            articles_published,
            versions_published,
            reviews_due,
            reviewed_on_time,
            reviewed_late,
            review_overdue,
            resolved_tickets,
            linked_tickets,
            link_rate_percent,
            links,
            articles_reused,
            reporter_views,
            self_service_solutions,
            self_service_pending,
            rated_helpful,
            rated_not_helpful,
            helpful_percent,
            flags,
        } = figures;
        Self {
            articles_published,
            versions_published,
            reviews_due,
            reviewed_on_time,
            reviewed_late,
            review_overdue,
            resolved_tickets,
            linked_tickets,
            link_rate_percent,
            links,
            articles_reused,
            reporter_views,
            self_service_solutions,
            self_service_pending,
            rated_helpful,
            rated_not_helpful,
            helpful_percent,
            flags,
        }
    }
}
