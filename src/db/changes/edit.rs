//! Editing a change's plan. Once approvals were cast, an edit of the
//! approved content voids them and returns the change to
//! `awaiting_approval`; once implementation began, the plan is frozen.

use diesel::prelude::*;
use serde_json::json;

use super::approvals::{content_of, void_all};
use super::moves::{commit, load_for, refused, MoveRequest};
use super::{find_any, Change};
use crate::db::schema::change_services;
use crate::db::sql_types::DbId;
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::access::ChangeMove;
use crate::domain::change::risk::RiskAssessment;
use crate::domain::change::workflow::{self, Command};
use crate::domain::change::{ChangeEventKind, ChangeScope, ChangeStatus, ChangeType};
use crate::domain::journal::Context;
use crate::domain::validation::ValidationErrors;
use uuid::Uuid;

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ChangeEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub reason: Option<String>,
    pub scope: Option<ChangeScope>,
    pub service_ids: Option<Vec<Uuid>>,
    pub risk: Option<RiskAssessment>,
    pub impact_analysis: Option<String>,
    pub implementation_plan: Option<String>,
    pub test_plan: Option<String>,
    pub rollback_plan: Option<String>,
}

impl ChangeEdit {
    fn touches_template(&self) -> bool {
        self.scope.is_some()
            || self.service_ids.is_some()
            || self.implementation_plan.is_some()
            || self.test_plan.is_some()
            || self.rollback_plan.is_some()
    }
}

fn set<T: Clone>(target: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        *target = value.clone();
    }
}

/// Applies an edit; answers the change as it is when nothing changes.
pub fn edit(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &MoveRequest<'_>,
    edit: &ChangeEdit,
) -> Result<Change, StoreError> {
    write_tx(conn, |conn| {
        let before = load_for(conn, request, ChangeMove::Edit)?;
        if !before.status.is_editable() {
            return Err(StoreError::Conflict(format!(
                "The plan of a change is frozen once implementation has begun; this change is {}.",
                before.status.describe()
            )));
        }
        if before.change_type == ChangeType::Standard && edit.touches_template() {
            return Err(StoreError::Invalid(ValidationErrors::single(
                "change_type",
                "A standard change follows its template's scope, service and plans; raise a normal change to change them.",
            )));
        }
        let mut after = before.clone();
        set(&mut after.title, &edit.title);
        set(&mut after.description, &edit.description);
        set(&mut after.reason, &edit.reason);
        set(&mut after.scope, &edit.scope);
        set(&mut after.impact_analysis, &edit.impact_analysis);
        set(&mut after.implementation_plan, &edit.implementation_plan);
        set(&mut after.test_plan, &edit.test_plan);
        set(&mut after.rollback_plan, &edit.rollback_plan);
        if let Some(risk) = edit.risk {
            after.risk = Some(risk);
            after.risk_level = Some(risk.level());
        }
        let mut special_services = None;
        if let Some(services) = &edit.service_ids {
            let mut services = services.clone();
            services.sort();
            services.dedup();
            special_services = Some(super::create::check_services(conn, &services)?);
            after.service_ids = services;
        }
        if after == before {
            return Ok(before);
        }
        if let Some(special) = special_services {
            after.special = special || after.risk.is_some_and(|r| r.touches_special);
            diesel::delete(change_services::table.filter(change_services::change_id.eq(DbId(before.id))))
                .execute(conn)?;
            for service in &after.service_ids {
                diesel::insert_into(change_services::table)
                    .values((
                        change_services::change_id.eq(DbId(before.id)),
                        change_services::service_id.eq(DbId(*service)),
                    ))
                    .execute(conn)?;
            }
        } else if edit.risk.is_some() {
            after.special = before.special || after.risk.is_some_and(|r| r.touches_special);
        }
        let content_changed = content_of(&before).hash() != content_of(&after).hash();
        // A standard change has no approval round to reopen.
        let approved_round = before.change_type != ChangeType::Standard
            && matches!(
                before.status,
                ChangeStatus::AwaitingApproval | ChangeStatus::Approved | ChangeStatus::Scheduled
            );
        let voided = if content_changed && approved_round {
            let voided = void_all(conn, ctx, before.id, "the approved content was edited")?;
            // The edited change awaits approval (again): someone must be
            // able to give it, as when approval was first asked for.
            super::round::check_staffed(conn, &request.rules.policy, &after)?;
            voided
        } else {
            0
        };
        let fields = changed_fields(edit);
        // Approved content edited: the round starts again (approvals voided,
        // or an approved or scheduled change asked again).
        let reopen =
            approved_round && content_changed && (voided > 0 || before.status != ChangeStatus::AwaitingApproval);
        if !reopen {
            return commit(conn, ctx, request, &before, after, ChangeEventKind::Updated, json!({ "fields": fields }));
        }
        after.status = workflow::next(&before.state(request.rules.policy.dinas_tests_special), Command::Revise)
            .map_err(refused)?;
        after.decided_at = None;
        after.dinas_test = None;
        let detail = json!({ "fields": fields, "voided": voided });
        let moved = commit(conn, ctx, request, &before, after, ChangeEventKind::ApprovalsVoided, detail)?;
        find_any(conn, moved.id)
    })
}

fn changed_fields(edit: &ChangeEdit) -> Vec<&'static str> {
    [
        ("title", edit.title.is_some()),
        ("description", edit.description.is_some()),
        ("reason", edit.reason.is_some()),
        ("scope", edit.scope.is_some()),
        ("service_ids", edit.service_ids.is_some()),
        ("risk", edit.risk.is_some()),
        ("impact_analysis", edit.impact_analysis.is_some()),
        ("implementation_plan", edit.implementation_plan.is_some()),
        ("test_plan", edit.test_plan.is_some()),
        ("rollback_plan", edit.rollback_plan.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect()
}
