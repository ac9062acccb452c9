//! Change records: the record and its row. Scoped reads and lists are in
//! `read`; writes in `create`, `edit`, `moves`, `planning` and `approvals`,
//! each through the journal.

mod approval_records;
pub mod approvals;
pub mod conflicts;
mod create;
mod edit;
pub mod freezes;
mod moves;
mod planning;
mod read;
pub mod report;
pub mod round;
pub mod sweep;
pub mod templates;
pub mod timeline;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::changes;
use super::sql_types::{DbId, OptionalDbId};
use super::{DbConnection, StoreError};
use crate::domain::change::access::ChangeFacts;
use crate::domain::change::risk::{RiskAssessment, RiskLevel};
use crate::domain::change::schedule::Window;
use crate::domain::change::workflow::ChangeState;
use crate::domain::change::{ChangeScope, ChangeStatus, ChangeType, Outcome};

pub use create::{create, NewChange};
pub use edit::{edit, ChangeEdit};
pub use moves::{
    admit, cancel, complete, link_ticket, request_approval, review, start, start_assessment, submit, update_follow_up,
    ChangeRules, FollowUpDraft, MoveRequest,
};
pub use planning::{record_dinas_test, schedule, ScheduleRequest};
pub(crate) use read::rows_after;
use read::visible;
pub use read::{find, find_any, list, resolve, ChangeFilter};

/// A ticket linked to a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedTicket {
    pub ticket_id: Uuid,
    pub number: String,
    /// `origin` (asked for or caused the change) or `caused` (an incident it caused).
    pub relation: String,
}

/// A follow-up action of the post-implementation review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub position: i32,
    pub action: String,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
}

/// The recorded test with the Dinas before go-live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DinasTest {
    pub passed: bool,
    pub notes: String,
    pub tested_by: Uuid,
    pub tested_at: DateTime<Utc>,
}

/// Scheduling despite conflicts: why, by whom, and what conflicted.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ConflictOverride {
    pub reason: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
    /// Every conflict, every change named; readers are shown what they may
    /// read of it.
    pub conflicts: conflicts::ConflictReport,
}

/// A stored change record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub id: Uuid,
    pub number: String,
    pub change_type: ChangeType,
    pub scope: ChangeScope,
    pub status: ChangeStatus,
    pub title: String,
    pub description: String,
    pub reason: String,
    pub owner_unit_id: Uuid,
    pub requester_id: Uuid,
    pub template_id: Option<Uuid>,
    pub service_ids: Vec<Uuid>,
    pub tickets: Vec<LinkedTicket>,
    pub risk: Option<RiskAssessment>,
    pub risk_level: Option<RiskLevel>,
    pub impact_analysis: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
    pub special: bool,
    pub planned: Option<Window>,
    pub schedule_sequence: i32,
    pub conflict_override: Option<ConflictOverride>,
    pub dinas_test: Option<DinasTest>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub outcome_notes: Option<String>,
    pub review_findings: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_due_at: Option<DateTime<Utc>>,
    pub follow_ups: Vec<FollowUp>,
    pub board_review_pending: bool,
    pub statuses_visited: Vec<ChangeStatus>,
    pub approval_requested_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub window_notice_sequence: Option<i32>,
    #[serde(skip)]
    pub review_overdue_told: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Change {
    pub fn facts(&self) -> ChangeFacts {
        ChangeFacts { owner_unit_id: self.owner_unit_id, requester_id: self.requester_id }
    }

    /// What the lifecycle decides on; `dinas_tests_special` is the policy's.
    pub fn state(&self, dinas_tests_special: bool) -> ChangeState {
        ChangeState {
            status: self.status,
            change_type: self.change_type,
            needs_dinas_test: self.special && dinas_tests_special,
            dinas_test_passed: self.dinas_test.as_ref().is_some_and(|t| t.passed),
            outcome: self.outcome,
        }
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = changes, treat_none_as_null = true)]
struct ChangeRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    number: String,
    change_type: ChangeType,
    scope: ChangeScope,
    status: ChangeStatus,
    title: String,
    description: String,
    reason: String,
    #[diesel(serialize_as = DbId)]
    owner_unit_id: Uuid,
    #[diesel(serialize_as = DbId)]
    requester_id: Uuid,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    template_id: Option<Uuid>,
    risk_json: Option<String>,
    risk_level: Option<RiskLevel>,
    impact_analysis: String,
    implementation_plan: String,
    test_plan: String,
    rollback_plan: String,
    special: bool,
    planned_start: Option<NaiveDateTime>,
    planned_end: Option<NaiveDateTime>,
    schedule_sequence: i32,
    override_json: Option<String>,
    dinas_test_json: Option<String>,
    actual_start: Option<NaiveDateTime>,
    actual_end: Option<NaiveDateTime>,
    outcome: Option<Outcome>,
    outcome_notes: Option<String>,
    review_findings: Option<String>,
    reviewed_at: Option<NaiveDateTime>,
    review_due_at: Option<NaiveDateTime>,
    board_review_pending: bool,
    statuses_visited: String,
    approval_requested_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    window_notice_sequence: Option<i32>,
    review_overdue_told: bool,
    event_seq: i32,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("change {what}: {e}"))
}

fn utc(at: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    at.map(|t| t.and_utc())
}

fn json_of<T: serde::de::DeserializeOwned>(what: &str, text: Option<&str>) -> Result<Option<T>, StoreError> {
    text.map(|t| serde_json::from_str(t).map_err(|e| corrupt(what, e))).transpose()
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| corrupt("encoding", e))
}

impl ChangeRow {
    /// The row of a change as it is now (the writer's side of `into_change`).
    fn from_change(c: &Change, event_seq: i32) -> Result<Self, StoreError> {
        let naive = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
        Ok(Self {
            id: c.id,
            number: c.number.clone(),
            change_type: c.change_type,
            scope: c.scope,
            status: c.status,
            title: c.title.clone(),
            description: c.description.clone(),
            reason: c.reason.clone(),
            owner_unit_id: c.owner_unit_id,
            requester_id: c.requester_id,
            template_id: c.template_id,
            risk_json: c.risk.as_ref().map(to_json).transpose()?,
            risk_level: c.risk_level,
            impact_analysis: c.impact_analysis.clone(),
            implementation_plan: c.implementation_plan.clone(),
            test_plan: c.test_plan.clone(),
            rollback_plan: c.rollback_plan.clone(),
            special: c.special,
            planned_start: c.planned.map(|w| w.start.naive_utc()),
            planned_end: c.planned.map(|w| w.end.naive_utc()),
            schedule_sequence: c.schedule_sequence,
            override_json: c.conflict_override.as_ref().map(to_json).transpose()?,
            dinas_test_json: c.dinas_test.as_ref().map(to_json).transpose()?,
            actual_start: naive(c.actual_start),
            actual_end: naive(c.actual_end),
            outcome: c.outcome,
            outcome_notes: c.outcome_notes.clone(),
            review_findings: c.review_findings.clone(),
            reviewed_at: naive(c.reviewed_at),
            review_due_at: naive(c.review_due_at),
            board_review_pending: c.board_review_pending,
            statuses_visited: c.statuses_visited.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
            approval_requested_at: naive(c.approval_requested_at),
            decided_at: naive(c.decided_at),
            window_notice_sequence: c.window_notice_sequence,
            review_overdue_told: c.review_overdue_told,
            event_seq,
            version: c.version,
            created_at: c.created_at.naive_utc(),
            updated_at: c.updated_at.naive_utc(),
        })
    }

    fn into_change(
        self,
        service_ids: Vec<Uuid>,
        tickets: Vec<LinkedTicket>,
        follow_ups: Vec<FollowUp>,
    ) -> Result<Change, StoreError> {
        let planned = match (self.planned_start, self.planned_end) {
            (Some(start), Some(end)) => Some(Window { start: start.and_utc(), end: end.and_utc() }),
            _ => None,
        };
        Ok(Change {
            id: self.id,
            number: self.number,
            change_type: self.change_type,
            scope: self.scope,
            status: self.status,
            title: self.title,
            description: self.description,
            reason: self.reason,
            owner_unit_id: self.owner_unit_id,
            requester_id: self.requester_id,
            template_id: self.template_id,
            service_ids,
            tickets,
            risk: json_of("risk", self.risk_json.as_deref())?,
            risk_level: self.risk_level,
            impact_analysis: self.impact_analysis,
            implementation_plan: self.implementation_plan,
            test_plan: self.test_plan,
            rollback_plan: self.rollback_plan,
            special: self.special,
            planned,
            schedule_sequence: self.schedule_sequence,
            conflict_override: json_of("override", self.override_json.as_deref())?,
            dinas_test: json_of("dinas test", self.dinas_test_json.as_deref())?,
            actual_start: utc(self.actual_start),
            actual_end: utc(self.actual_end),
            outcome: self.outcome,
            outcome_notes: self.outcome_notes,
            review_findings: self.review_findings,
            reviewed_at: utc(self.reviewed_at),
            review_due_at: utc(self.review_due_at),
            follow_ups,
            board_review_pending: self.board_review_pending,
            statuses_visited: self
                .statuses_visited
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().map_err(|e| corrupt("statuses", e)))
                .collect::<Result<_, _>>()?,
            approval_requested_at: utc(self.approval_requested_at),
            decided_at: utc(self.decided_at),
            window_notice_sequence: self.window_notice_sequence,
            review_overdue_told: self.review_overdue_told,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// Writes the change's columns as `change` holds them (after a guarded bump).
fn store(conn: &mut DbConnection, change: &Change) -> Result<(), StoreError> {
    let event_seq: i32 = changes::table.find(DbId(change.id)).select(changes::event_seq).first(conn)?;
    let row = ChangeRow::from_change(change, event_seq)?;
    diesel::update(changes::table.find(DbId(change.id))).set(row).execute(conn)?;
    Ok(())
}
