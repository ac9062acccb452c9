//! The change report: what the SPBE evaluation asks of Manajemen Perubahan
//! (did changes follow every phase, were reviews done and acted upon).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::{find_any, Change};
use crate::db::schema::{change_services, changes};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::change::lead_time::LeadTimes;
use crate::domain::change::{ChangeScope, ChangeStatus, ChangeType, Outcome};

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub service_id: Option<Uuid>,
    pub scope: Option<ChangeScope>,
    pub change_type: Option<ChangeType>,
}

/// The figures, over the changes raised in the period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeReport {
    pub total: u64,
    pub by_type: BTreeMap<String, u64>,
    pub by_scope: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
    pub by_outcome: BTreeMap<String, u64>,
    /// Successful among those with an outcome (0–1); `None` without any.
    pub success_rate: Option<f64>,
    /// Emergency changes among all (0–1).
    pub emergency_share: Option<f64>,
    /// From asking for approval to the decision, in minutes: the mean of
    /// the exact durations.
    pub approval_lead_time_avg_minutes: Option<f64>,
    /// The longest, in whole minutes (rounded down).
    pub approval_lead_time_max_minutes: Option<i64>,
    /// Completed changes that went through every phase of the regulation.
    pub completed: u64,
    pub completed_without_skipped_phase: u64,
    pub reviews_done: u64,
    pub emergency_reviews_pending: u64,
    pub follow_ups_open: u64,
    pub follow_ups_done: u64,
}

/// Whether a completed change went through every phase: planning
/// (submitted), analysis (assessing), approval (approved), development
/// (scheduled), implementation, monitoring and evaluation (reviewing).
pub fn skipped_no_phase(change: &Change) -> bool {
    use ChangeStatus::*;
    change.status == Completed
        && [Submitted, Assessing, Approved, Scheduled, Implementing, Reviewing]
            .iter()
            .all(|s| change.statuses_visited.contains(s))
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

pub fn report(conn: &mut DbConnection, f: &ReportFilter) -> Result<ChangeReport, StoreError> {
    let mut q = changes::table.select(changes::id).order(changes::id).into_boxed();
    if let Some(from) = f.from {
        q = q.filter(changes::created_at.ge(from.naive_utc()));
    }
    if let Some(to) = f.to {
        q = q.filter(changes::created_at.lt(to.naive_utc()));
    }
    if let Some(scope) = f.scope {
        q = q.filter(changes::scope.eq(scope.as_str()));
    }
    if let Some(t) = f.change_type {
        q = q.filter(changes::change_type.eq(t.as_str()));
    }
    if let Some(service) = f.service_id {
        let touching = change_services::table
            .filter(change_services::service_id.eq(DbId(service)))
            .select(change_services::change_id);
        q = q.filter(changes::id.eq_any(touching));
    }
    let found: Vec<Uuid> = q.load(conn)?;
    let mut r = ChangeReport::default();
    let (mut leads, mut outcomes, mut successes, mut emergencies) = (LeadTimes::default(), 0u64, 0u64, 0u64);
    for id in found {
        let c = find_any(conn, id)?;
        r.total += 1;
        *r.by_type.entry(c.change_type.to_string()).or_default() += 1;
        *r.by_scope.entry(c.scope.to_string()).or_default() += 1;
        *r.by_status.entry(c.status.to_string()).or_default() += 1;
        if let Some(outcome) = c.outcome {
            *r.by_outcome.entry(outcome.to_string()).or_default() += 1;
            outcomes += 1;
            successes += u64::from(outcome == Outcome::Successful);
        }
        emergencies += u64::from(c.change_type == ChangeType::Emergency);
        if let (Some(asked), Some(decided)) = (c.approval_requested_at, c.decided_at) {
            leads.add(asked, decided);
        }
        r.completed += u64::from(c.status == ChangeStatus::Completed);
        r.completed_without_skipped_phase += u64::from(skipped_no_phase(&c));
        r.reviews_done += u64::from(c.reviewed_at.is_some());
        r.emergency_reviews_pending += u64::from(c.board_review_pending);
        for follow_up in &c.follow_ups {
            if follow_up.done {
                r.follow_ups_done += 1;
            } else {
                r.follow_ups_open += 1;
            }
        }
    }
    r.success_rate = share(successes, outcomes);
    r.emergency_share = share(emergencies, r.total);
    r.approval_lead_time_avg_minutes = leads.average_minutes();
    r.approval_lead_time_max_minutes = leads.max_minutes();
    Ok(r)
}
