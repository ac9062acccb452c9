//! Raising a change: checks, number, rows, links and the journal entry in
//! one transaction (from scratch, from a standard template, or from a
//! `change_request` ticket).

use chrono::Datelike;
use diesel::prelude::*;
use uuid::Uuid;

use super::{find_any, Change, ChangeRow};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{change_services, change_templates, change_tickets, services, units};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::tickets::{self, IdempotencyKey};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::change::risk::RiskAssessment;
use crate::domain::change::{ChangeEventKind, ChangeScope, ChangeStatus, ChangeType};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::service::Platform;
use crate::domain::ticket::access::TicketScope;
use crate::domain::validation::ValidationErrors;

/// A validated request for change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewChange {
    pub change_type: ChangeType,
    pub scope: Option<ChangeScope>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub reason: String,
    pub owner_unit_id: Uuid,
    pub service_ids: Vec<Uuid>,
    /// Tickets that asked for or caused the change.
    pub ticket_ids: Vec<Uuid>,
    pub template_id: Option<Uuid>,
    pub risk: Option<RiskAssessment>,
    pub impact_analysis: String,
    pub implementation_plan: String,
    pub test_plan: String,
    pub rollback_plan: String,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, message))
}

fn next_number(conn: &mut DbConnection, year: i32) -> Result<String, StoreError> {
    let n = crate::db::numbering::next(conn, crate::db::numbering::Counter::Change)?;
    Ok(format!("CHG-{year}-{n:06}"))
}

/// The template of a standard change: its service, scope, title and plans.
struct TemplateParts {
    service_id: Uuid,
    scope: ChangeScope,
    title: String,
    description: String,
    plans: [String; 3],
}

fn template(conn: &mut DbConnection, id: Uuid) -> Result<TemplateParts, StoreError> {
    type Row = (Uuid, String, String, String, String, String, String, bool);
    let row: Option<Row> = change_templates::table
        .find(DbId(id))
        .select((
            change_templates::service_id,
            change_templates::scope,
            change_templates::title,
            change_templates::description,
            change_templates::implementation_plan,
            change_templates::test_plan,
            change_templates::rollback_plan,
            change_templates::active,
        ))
        .first(conn)
        .optional()?;
    match row {
        None => Err(invalid("template_id", "no such template")),
        Some((.., false)) => Err(invalid("template_id", "the template is retired")),
        Some((service, scope, title, description, implementation, test, rollback, true)) => Ok(TemplateParts {
            service_id: service,
            scope: scope.parse().map_err(StoreError::Corrupt)?,
            title,
            description,
            plans: [implementation, test, rollback],
        }),
    }
}

/// Checks the services; returns whether any is an aplikasi khusus or the
/// intra-government network (the Dinas's approval and test apply).
pub(super) fn check_services(conn: &mut DbConnection, service_ids: &[Uuid]) -> Result<bool, StoreError> {
    if service_ids.is_empty() {
        return Err(invalid("service_ids", "name at least one Layanan SPBE the change touches"));
    }
    let keys = db_ids(service_ids);
    let found: Vec<(Uuid, String, bool)> = services::table
        .filter(services::id.eq_any(&keys))
        .select((services::id, services::platform, services::active))
        .load(conn)?;
    for (index, id) in service_ids.iter().enumerate() {
        match found.iter().find(|(key, ..)| key == id) {
            None => return Err(invalid(&format!("service_ids[{index}]"), "no such service")),
            Some((.., false)) => return Err(invalid(&format!("service_ids[{index}]"), "the service is inactive")),
            Some(_) => {}
        }
    }
    Ok(found.iter().any(|(_, platform, _)| {
        platform.parse::<Platform>().is_ok_and(|p| matches!(p, Platform::AplikasiKhusus | Platform::JaringanIntra))
    }))
}

fn check_unit(conn: &mut DbConnection, unit: Uuid) -> Result<(), StoreError> {
    let active: Option<bool> = units::table.find(DbId(unit)).select(units::active).first(conn).optional()?;
    if active != Some(true) {
        return Err(invalid("owner_unit_id", "no such active unit"));
    }
    Ok(())
}

/// Links tickets the caller can see (others are "no such ticket": no leak).
pub(super) fn link_tickets(
    conn: &mut DbConnection,
    ctx: &Context,
    scope: &TicketScope,
    change_id: Uuid,
    ticket_ids: &[Uuid],
    relation: &str,
    field: &str,
) -> Result<Vec<String>, StoreError> {
    let mut numbers = Vec::new();
    for (index, ticket_id) in ticket_ids.iter().enumerate() {
        let ticket = match tickets::find(conn, scope, *ticket_id) {
            Ok(ticket) => ticket,
            Err(StoreError::NotFound) => return Err(invalid(&format!("{field}[{index}]"), "no such ticket")),
            Err(e) => return Err(e),
        };
        let key = (change_id, *ticket_id);
        let linked: i64 = change_tickets::table.find((DbId(key.0), DbId(key.1))).count().get_result(conn)?;
        if linked == 0 {
            diesel::insert_into(change_tickets::table)
                .values((
                    change_tickets::change_id.eq(DbId(key.0)),
                    change_tickets::ticket_id.eq(DbId(key.1)),
                    change_tickets::relation.eq(relation),
                ))
                .execute(conn)?;
            // The ticket's timeline shows the link too.
            let number: String = crate::db::schema::changes::table
                .find(DbId(key.0))
                .select(crate::db::schema::changes::number)
                .first(conn)?;
            let event = Event::LinkedToChange { change_id, change_number: number, relation: relation.to_owned() };
            journal::record(conn, ctx, Entry::new(Subject::Ticket(ticket.id), event))?;
        }
        numbers.push(ticket.number);
    }
    Ok(numbers)
}

fn existing_by_key(conn: &mut DbConnection, key: &IdempotencyKey) -> Result<Option<Change>, StoreError> {
    tickets::replayed_id(conn, key)?.map(|id| find_any(conn, id)).transpose()
}

/// Raises a change as a draft; `Ok((change, false))` when an identical
/// earlier request (same idempotency key) already raised it.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    ticket_scope: &TicketScope,
    new: &NewChange,
    idempotency: Option<&IdempotencyKey>,
) -> Result<(Change, bool), StoreError> {
    let actor = ctx.actor.ok_or_else(|| StoreError::Corrupt("changes are raised by someone".to_owned()))?;
    write_tx(conn, |conn| {
        if let Some(key) = idempotency {
            if let Some(change) = existing_by_key(conn, key)? {
                return Ok((change, false));
            }
        }
        let template = new.template_id.map(|t| template(conn, t)).transpose()?;
        match (new.change_type, &template) {
            (ChangeType::Standard, None) => {
                return Err(invalid("template_id", "a standard change comes from a pre-approved template"))
            }
            (ChangeType::Normal | ChangeType::Emergency, Some(_)) => {
                return Err(invalid("template_id", "only standard changes come from templates"))
            }
            _ => {}
        }
        let mut service_ids = new.service_ids.clone();
        if let Some(t) = &template {
            if !service_ids.is_empty() && service_ids != [t.service_id] {
                return Err(invalid("service_ids", "a standard change touches its template's service only"));
            }
            service_ids = vec![t.service_id];
        }
        service_ids.sort();
        service_ids.dedup();
        let special_service = check_services(conn, &service_ids)?;
        check_unit(conn, new.owner_unit_id)?;
        let scope = new.scope.or(template.as_ref().map(|t| t.scope)).ok_or_else(|| invalid("scope", "required"))?;
        let title = new.title.clone().or(template.as_ref().map(|t| t.title.clone()));
        let title = title.ok_or_else(|| invalid("title", "required"))?;
        let description = new.description.clone().or(template.as_ref().map(|t| t.description.clone()));
        let description = description.ok_or_else(|| invalid("description", "required"))?;
        let [implementation_plan, test_plan, rollback_plan] = match &template {
            Some(t) => t.plans.clone(),
            None => [new.implementation_plan.clone(), new.test_plan.clone(), new.rollback_plan.clone()],
        };
        let id = Uuid::now_v7();
        let user = match actor {
            crate::domain::policy::Actor::User(id) => id,
            crate::domain::policy::Actor::ApiKey(_) => {
                return Err(StoreError::Forbidden("changes are requested by people, not service accounts".into()))
            }
        };
        let change = Change {
            id,
            number: next_number(conn, ctx.now.year())?,
            change_type: new.change_type,
            scope,
            status: ChangeStatus::Draft,
            title,
            description,
            reason: new.reason.clone(),
            owner_unit_id: new.owner_unit_id,
            requester_id: user,
            template_id: new.template_id,
            service_ids: service_ids.clone(),
            tickets: Vec::new(),
            risk: new.risk,
            risk_level: new.risk.map(|r| r.level()),
            impact_analysis: new.impact_analysis.clone(),
            implementation_plan,
            test_plan,
            rollback_plan,
            special: special_service || new.risk.is_some_and(|r| r.touches_special),
            planned: None,
            schedule_sequence: 0,
            conflict_override: None,
            dinas_test: None,
            actual_start: None,
            actual_end: None,
            outcome: None,
            outcome_notes: None,
            review_findings: None,
            reviewed_at: None,
            review_due_at: None,
            follow_ups: Vec::new(),
            board_review_pending: false,
            statuses_visited: vec![ChangeStatus::Draft],
            approval_requested_at: None,
            decided_at: None,
            window_notice_sequence: None,
            review_overdue_told: false,
            version: 1,
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        diesel::insert_into(crate::db::schema::changes::table)
            .values(ChangeRow::from_change(&change, 0)?)
            .execute(conn)?;
        for service in &service_ids {
            diesel::insert_into(change_services::table)
                .values((change_services::change_id.eq(DbId(id)), change_services::service_id.eq(DbId(*service))))
                .execute(conn)?;
        }
        let numbers = link_tickets(conn, ctx, ticket_scope, id, &new.ticket_ids, "origin", "ticket_ids")?;
        let change = find_any(conn, id)?;
        let event = Event::Change {
            kind: ChangeEventKind::Created,
            from: None,
            to: ChangeStatus::Draft,
            detail: serde_json::json!({ "number": change.number, "tickets": numbers }),
        };
        journal::record(conn, ctx, Entry::new(Subject::Change(id), event).after(snapshot(&change)?))?;
        if let Some(key) = idempotency {
            tickets::remember_key(conn, key, id, ctx.now.naive_utc())?;
        }
        Ok((change, true))
    })
}
