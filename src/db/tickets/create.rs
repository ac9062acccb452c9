//! Filing a ticket: checks, number, row, event, audit and idempotency
//! record in one transaction.

use chrono::Datelike;
use diesel::prelude::*;
use uuid::Uuid;

use super::bulk::row_of;
use super::{find_any, Filing, Ticket, TicketRow};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{idempotency_keys, services, tickets, units, users};
use crate::db::sql_types::DbId;
use crate::db::{sla, write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::ticket::intake::{NewTicket, ReporterRef};
use crate::domain::ticket::Tier;
use crate::domain::validation::ValidationErrors;

/// A client's `Idempotency-Key`, scoped to the caller, with the hash of
/// the request it came with.
pub struct IdempotencyKey {
    pub actor_id: Uuid,
    pub key: String,
    pub request_hash: Vec<u8>,
    /// Keys stored before this instant have expired: the same key then
    /// files anew (housekeeping removes them in time).
    pub fresh_since: chrono::NaiveDateTime,
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
    forget_expired(conn, &[key])?;
    let found = idempotency_keys::table
        .find((DbId(key.actor_id), &key.key))
        .select((idempotency_keys::request_hash, idempotency_keys::response_body))
        .first::<(Vec<u8>, String)>(conn)
        .optional()?;
    let Some((hash, id)) = found else { return Ok(None) };
    replayed(key, &hash, &id).map(Some)
}

/// Removes expired uses of these keys (of any caller: expired either way),
/// so that a key used again after its lifetime is stored anew.
pub(super) fn forget_expired(conn: &mut DbConnection, keys: &[&IdempotencyKey]) -> Result<(), StoreError> {
    let Some(fresh_since) = keys.iter().map(|k| k.fresh_since).min() else { return Ok(()) };
    let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::idem_key.eq_any(&names))
            .filter(idempotency_keys::created_at.lt(fresh_since)),
    )
    .execute(conn)?;
    Ok(())
}

/// The ticket an earlier use of `key` created (`hash` of its request,
/// `created` its id); the same key with another body is refused.
pub(super) fn replayed(key: &IdempotencyKey, hash: &[u8], created: &str) -> Result<Uuid, StoreError> {
    if hash != key.request_hash.as_slice() {
        return Err(key_reused());
    }
    Uuid::parse_str(created).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn key_reused() -> StoreError {
    invalid("Idempotency-Key", "this key was already used with a different request body")
}

/// One request to file a ticket: who and when, what, and its key.
pub struct Intake {
    pub ctx: Context,
    pub new: NewTicket,
    pub key: Option<IdempotencyKey>,
}

/// Files one intake; when a concurrent identical request (same key or
/// external reference) won the race, replays its result.
pub fn create_one(conn: &mut DbConnection, intake: &Intake) -> Result<CreateOutcome, StoreError> {
    let (ctx, new, key) = (&intake.ctx, &intake.new, intake.key.as_ref());
    match create(conn, ctx, new, key) {
        Err(StoreError::Conflict(_)) if key.is_some() || new.external.is_some() => create(conn, ctx, new, key),
        other => other,
    }
}

/// Remembers what the key created, in the creating transaction.
pub(crate) fn remember_key(
    conn: &mut DbConnection,
    key: &IdempotencyKey,
    id: Uuid,
    at: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(idempotency_keys::table).values(key_row(key, id, at)).execute(conn)?;
    Ok(())
}

/// The stored record of what a key created.
#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
pub(super) struct KeyRow<'a> {
    #[diesel(serialize_as = DbId)]
    actor_id: Uuid,
    idem_key: &'a str,
    request_hash: &'a [u8],
    status: i16,
    response_body: String,
    created_at: chrono::NaiveDateTime,
}

pub(super) fn key_row(key: &IdempotencyKey, id: Uuid, at: chrono::NaiveDateTime) -> KeyRow<'_> {
    KeyRow {
        actor_id: key.actor_id,
        idem_key: &key.key,
        request_hash: &key.request_hash,
        status: 201,
        response_body: id.to_string(),
        created_at: at,
    }
}

fn existing_by_key(conn: &mut DbConnection, key: &IdempotencyKey) -> Result<Option<Ticket>, StoreError> {
    replayed_id(conn, key)?.map(|id| find_any(conn, id)).transpose()
}

fn existing_by_external_ref(conn: &mut DbConnection, new: &NewTicket) -> Result<Option<Ticket>, StoreError> {
    let Some(external) = &new.external else { return Ok(None) };
    let id: Option<Uuid> = tickets::table
        .filter(tickets::external_source.eq(&external.source))
        .filter(tickets::external_ref.eq(&external.reference))
        .select(tickets::id)
        .first(conn)
        .optional()?;
    id.map(|id| find_any(conn, id)).transpose()
}

/// The service's tier-2 flag, if it may take tickets (`found`: its active
/// and direct-tier-2 flags).
pub(super) fn service_verdict(found: Option<(bool, bool)>) -> Result<bool, StoreError> {
    match found {
        None => Err(invalid("service_id", "no such service")),
        Some((false, _)) => Err(invalid("service_id", "the service is inactive")),
        Some((true, direct)) => Ok(direct),
    }
}

/// The unit's kind, if it is active (`found`: its active flag and kind).
pub(super) fn unit_verdict(found: Option<(bool, String)>) -> Result<String, StoreError> {
    match found {
        Some((true, kind)) => Ok(kind),
        _ => Err(invalid("unit_id", "no such active unit")),
    }
}

/// A named reporter must be an active user of the ticket's unit (`found`:
/// the user's unit and active flag).
pub(super) fn reporter_verdict(found: Option<(Uuid, bool)>, unit_id: Uuid) -> Result<(), StoreError> {
    match found {
        Some((unit, true)) if unit == unit_id => Ok(()),
        _ => Err(invalid("reporter_id", "must be an active user of the ticket's unit")),
    }
}

/// Checks the service, unit and reporter; returns the service's tier-2 flag
/// and the unit's kind.
fn check_references(conn: &mut DbConnection, new: &NewTicket) -> Result<(bool, String), StoreError> {
    let service = services::table
        .find(DbId(new.service_id))
        .select((services::active, services::direct_tier2))
        .first::<(bool, bool)>(conn)
        .optional()?;
    let direct_tier2 = service_verdict(service)?;
    let unit = units::table.find(DbId(new.unit_id)).select((units::active, units::kind)).first(conn).optional()?;
    let unit_kind = unit_verdict(unit)?;
    if let ReporterRef::User(reporter) = new.reporter {
        let found = users::table
            .find(DbId(reporter))
            .select((users::unit_id, users::active))
            .first::<(Uuid, bool)>(conn)
            .optional()?;
        reporter_verdict(found, new.unit_id)?;
    }
    Ok((direct_tier2, unit_kind))
}

/// Whether a tier-1 ticket must ask if its unit has a tier-1 technician:
/// only a Perangkat Daerah's, and only when uncovered ones are routed.
pub(super) fn asks_coverage(new: &NewTicket, direct_tier2: bool, kind: &str) -> bool {
    !direct_tier2 && new.route_uncovered && kind == crate::domain::organisation::UnitKind::PerangkatDaerah.as_str()
}

/// Why a tier-1 ticket goes to tier 2 at once: its Perangkat Daerah has no
/// active tier-1 technician, so nobody would be told of it or take it.
pub(super) fn uncovered_reason(covered: bool) -> Option<String> {
    (!covered).then(|| "the Perangkat Daerah has no active tier-1 technician; sent to the tier-2 queue".to_owned())
}

/// The row of a new ticket, numbered `number`, with its clocks' summary.
pub(super) fn new_row(
    ctx: &Context,
    new: &NewTicket,
    id: Uuid,
    number: String,
    tier: Tier,
    summary: &sla::clocks::Summary,
) -> Result<TicketRow, StoreError> {
    let by = ctx.actor.ok_or_else(|| StoreError::Corrupt("tickets are filed by someone".to_owned()))?;
    let mut ticket = Ticket::filed(new, Filing { id, number, tier, by, at: ctx.now });
    ticket.take_summary(summary);
    // The first event, written with the row (see the timeline).
    Ok(row_of(&ticket, (1, 1), summary.check_at))
}

/// The journal entry of a ticket just filed.
pub(crate) fn created_entry(
    ticket: &Ticket,
    clocks: &[sla::clocks::StoredClock],
    routed_to_tier2: Option<String>,
) -> Result<Entry, StoreError> {
    let event = Event::TicketCreated {
        number: ticket.number.clone(),
        priority: ticket.priority,
        tier: ticket.tier,
        clocks: clocks.iter().map(|c| c.start_record()).collect(),
        routed_to_tier2,
    };
    Ok(Entry::new(Subject::Ticket(ticket.id), event).after(snapshot(ticket)?))
}

/// Files a ticket (or finds the one an identical earlier request filed).
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    new: &NewTicket,
    idempotency: Option<&IdempotencyKey>,
) -> Result<CreateOutcome, StoreError> {
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
        let routed_to_tier2 = if asks_coverage(new, direct_tier2, &unit_kind) {
            uncovered_reason(crate::db::units::has_tier1(conn, new.unit_id)?)
        } else {
            None
        };
        let tier = if direct_tier2 || routed_to_tier2.is_some() { Tier::Two } else { Tier::One };
        let watch = sla::clocks::Watch { priority: new.priority, unit_id: new.unit_id, tier };
        let summary = sla::clocks::summarise(conn, &clocks, watch, ctx.now)?;
        let id = Uuid::now_v7();
        let row = new_row(ctx, new, id, next_number(conn, ctx.now.year())?, tier, &summary)?;
        diesel::insert_into(tickets::table).values(row.clone()).execute(conn)?;
        sla::lifecycle::begin(conn, id, &clocks)?;
        // The row just written is the ticket: no need to read it back.
        let ticket = Ticket::try_from(row)?;
        journal::record(conn, ctx, created_entry(&ticket, &clocks, routed_to_tier2)?)?;
        if let Some(key) = idempotency {
            remember_key(conn, key, id, ctx.now.naive_utc())?;
        }
        Ok(CreateOutcome::Created(ticket))
    })
}
