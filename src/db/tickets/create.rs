//! Filing a ticket: checks, number, row, event, audit and idempotency
//! record in one transaction.

use chrono::Datelike;
use diesel::prelude::*;
use uuid::Uuid;

use super::{find_any, priority_rank, Ticket, TicketRow};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{idempotency_keys, services, tickets, units, users};
use crate::db::{ids, sla, write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::ticket::intake::{NewTicket, ReporterRef};
use crate::domain::ticket::{Status, Tier};
use crate::domain::validation::ValidationErrors;

/// A client's `Idempotency-Key`, scoped to the caller, with the hash of
/// the request it came with.
pub struct IdempotencyKey {
    pub actor_id: Uuid,
    pub key: String,
    pub request_hash: Vec<u8>,
}

/// A new ticket, or the one an earlier identical request (same
/// idempotency key or same external reference) already made.
#[derive(Debug)]
pub enum CreateOutcome {
    Created(Ticket),
    Existing(Ticket),
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, message))
}

fn next_number(conn: &mut DbConnection, year: i32) -> Result<String, StoreError> {
    let n = crate::db::numbering::next(conn, crate::db::numbering::Counter::Ticket)?;
    Ok(format!("TKT-{year}-{n:06}"))
}

/// The id an earlier request with this key created, if any; the same key
/// with another body is refused.
pub(crate) fn replayed_id(conn: &mut DbConnection, key: &IdempotencyKey) -> Result<Option<Uuid>, StoreError> {
    let found = idempotency_keys::table
        .find((ids::to_bytes(key.actor_id), &key.key))
        .select((idempotency_keys::request_hash, idempotency_keys::response_body))
        .first::<(Vec<u8>, String)>(conn)
        .optional()?;
    let Some((hash, id)) = found else { return Ok(None) };
    if hash != key.request_hash {
        return Err(invalid("Idempotency-Key", "this key was already used with a different request body"));
    }
    Uuid::parse_str(&id).map(Some).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Remembers what the key created, in the creating transaction.
pub(crate) fn remember_key(
    conn: &mut DbConnection,
    key: &IdempotencyKey,
    id: Uuid,
    at: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor_id.eq(ids::to_bytes(key.actor_id)),
            idempotency_keys::idem_key.eq(&key.key),
            idempotency_keys::request_hash.eq(&key.request_hash),
            idempotency_keys::status.eq(201_i16),
            idempotency_keys::response_body.eq(id.to_string()),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

fn existing_by_key(conn: &mut DbConnection, key: &IdempotencyKey) -> Result<Option<Ticket>, StoreError> {
    replayed_id(conn, key)?.map(|id| find_any(conn, id)).transpose()
}

fn existing_by_external_ref(conn: &mut DbConnection, new: &NewTicket) -> Result<Option<Ticket>, StoreError> {
    let Some(external) = &new.external else { return Ok(None) };
    let id: Option<Vec<u8>> = tickets::table
        .filter(tickets::external_source.eq(&external.source))
        .filter(tickets::external_ref.eq(&external.reference))
        .select(tickets::id)
        .first(conn)
        .optional()?;
    id.map(|id| find_any(conn, ids::from_bytes(&id)?)).transpose()
}

/// Checks the service, unit and reporter; returns the service's tier-2 flag
/// and the unit's kind.
fn check_references(conn: &mut DbConnection, new: &NewTicket) -> Result<(bool, String), StoreError> {
    let service = services::table
        .find(ids::to_bytes(new.service_id))
        .select((services::active, services::direct_tier2))
        .first::<(bool, bool)>(conn)
        .optional()?;
    let direct_tier2 = match service {
        None => return Err(invalid("service_id", "no such service")),
        Some((false, _)) => return Err(invalid("service_id", "the service is inactive")),
        Some((true, direct)) => direct,
    };
    let unit: Option<(bool, String)> =
        units::table.find(ids::to_bytes(new.unit_id)).select((units::active, units::kind)).first(conn).optional()?;
    let Some((true, unit_kind)) = unit else {
        return Err(invalid("unit_id", "no such active unit"));
    };
    if let ReporterRef::User(reporter) = new.reporter {
        let found = users::table
            .find(ids::to_bytes(reporter))
            .select((users::unit_id, users::active))
            .first::<(Vec<u8>, bool)>(conn)
            .optional()?;
        match found {
            Some((unit, true)) if unit == ids::to_bytes(new.unit_id) => {}
            _ => return Err(invalid("reporter_id", "must be an active user of the ticket's unit")),
        }
    }
    Ok((direct_tier2, unit_kind))
}

/// Why a tier-1 ticket goes to tier 2 at once: its Perangkat Daerah has no
/// active tier-1 technician, so nobody would be told of it or take it.
fn uncovered_reason(
    conn: &mut DbConnection,
    new: &NewTicket,
    direct_tier2: bool,
    kind: &str,
) -> Result<Option<String>, StoreError> {
    if direct_tier2 || !new.route_uncovered {
        return Ok(None);
    }
    if kind != crate::domain::organisation::UnitKind::PerangkatDaerah.as_str()
        || crate::db::units::has_tier1(conn, new.unit_id)?
    {
        return Ok(None);
    }
    Ok(Some("the Perangkat Daerah has no active tier-1 technician; sent to the tier-2 queue".to_owned()))
}

/// Files a ticket (or finds the one an identical earlier request filed).
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    new: &NewTicket,
    idempotency: Option<&IdempotencyKey>,
) -> Result<CreateOutcome, StoreError> {
    let actor = ctx.actor.ok_or_else(|| StoreError::Corrupt("tickets are filed by someone".to_owned()))?;
    // Read before the write transaction (SQLite has one writer at a time):
    // the versions are immutable and outlive their calendar or policy, so
    // the clocks stay valid even if an edit lands in between.
    let clocks = sla::lifecycle::plan(conn, new.service_id, new.unit_id, new.priority, ctx.now)?;
    write_tx(conn, |conn| {
        if let Some(key) = idempotency {
            if let Some(ticket) = existing_by_key(conn, key)? {
                return Ok(CreateOutcome::Existing(ticket));
            }
        }
        if let Some(ticket) = existing_by_external_ref(conn, new)? {
            return Ok(CreateOutcome::Existing(ticket));
        }
        let (direct_tier2, unit_kind) = check_references(conn, new)?;
        let routed_to_tier2 = uncovered_reason(conn, new, direct_tier2, &unit_kind)?;
        let tier = if direct_tier2 || routed_to_tier2.is_some() { Tier::Two } else { Tier::One };
        let watch = sla::clocks::Watch { priority: new.priority, unit_id: new.unit_id, tier };
        let summary = sla::clocks::summarise(conn, &clocks, watch, ctx.now)?;
        let id = Uuid::now_v7();
        let now = ctx.now.naive_utc();
        let (reporter_id, name, email, phone) = match &new.reporter {
            ReporterRef::User(user) => (Some(ids::to_bytes(*user)), None, None, None),
            ReporterRef::OnBehalf { name, email, phone } => (
                None,
                Some(name.as_str().to_owned()),
                email.as_ref().map(|e| e.as_str().to_owned()),
                phone.as_ref().map(|p| p.as_str().to_owned()),
            ),
        };
        let row = TicketRow {
            id: ids::to_bytes(id),
            number: next_number(conn, ctx.now.year())?,
            ticket_type: new.ticket_type.as_str().to_owned(),
            title: new.title.clone(),
            description: new.description.clone(),
            service_id: ids::to_bytes(new.service_id),
            unit_id: ids::to_bytes(new.unit_id),
            reporter_id,
            reporter_name: name,
            reporter_email: email,
            reporter_phone: phone,
            channel: new.channel.as_str().to_owned(),
            impact: new.impact.as_str().to_owned(),
            urgency: new.urgency.as_str().to_owned(),
            priority: new.priority.as_str().to_owned(),
            priority_rank: priority_rank(new.priority),
            status: Status::New.as_str().to_owned(),
            tier: i16::from(tier),
            assignee_id: None,
            tier2_involved: tier == Tier::Two,
            escalation_count: 0,
            last_escalated_at: None,
            pending_reason: None,
            external_source: new.external.as_ref().map(|e| e.source.clone()),
            external_ref: new.external.as_ref().map(|e| e.reference.clone()),
            complaint_ref: new.complaint_ref.clone(),
            problem_id: None,
            resolution_code: None,
            resolution: None,
            resolved_at: None,
            closed_at: None,
            reopen_count: 0,
            rating: None,
            rating_remark: None,
            created_by_kind: actor.kind().to_owned(),
            created_by: ids::to_bytes(actor.id()),
            event_seq: 1,
            public_event_seq: 1,
            version: 1,
            created_at: now,
            updated_at: now,
            sla_due_at: summary.due_at.map(|t| t.naive_utc()),
            sla_check_at: summary.check_at.map(|t| t.naive_utc()),
            response_breached: false,
            resolution_breached: false,
            tier2_breached: false,
        };
        diesel::insert_into(tickets::table).values(&row).execute(conn)?;
        sla::lifecycle::begin(conn, id, &clocks)?;
        // The row just written is the ticket: no need to read it back.
        let ticket = Ticket::try_from(row)?;
        let event = Event::TicketCreated {
            number: ticket.number.clone(),
            priority: new.priority,
            tier,
            clocks: clocks.iter().map(|c| c.start_record()).collect(),
            routed_to_tier2,
        };
        journal::record(conn, ctx, Entry::new(Subject::Ticket(id), event).after(snapshot(&ticket)?))?;
        if let Some(key) = idempotency {
            remember_key(conn, key, id, now)?;
        }
        Ok(CreateOutcome::Created(ticket))
    })
}
