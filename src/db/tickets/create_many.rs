//! Filing many tickets in one transaction: the requests that waited while
//! the previous batch was written (group commit). Each is checked, numbered
//! and journaled as [`super::create`] does one, and the batch sees its
//! earlier members as one-by-one filing would (a repeated key or external
//! reference replays the first). What the batch reads and writes takes a
//! few statements for all its tickets instead of a dozen per ticket.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use diesel::prelude::*;
use uuid::Uuid;

use super::create::{
    asks_coverage, created_entry, forget_expired, key_reused, key_row, new_row, replayed, reporter_verdict,
    service_verdict, uncovered_reason, unit_verdict, Intake,
};
use super::{find_any, CreateOutcome, Ticket};
use crate::db::batch::insert_batch;
use crate::db::journal::bulk::BulkJournal;
use crate::db::numbering::{self, Counter};
use crate::db::schema::{idempotency_keys, services, tickets, units, users};
use crate::db::sql_types::db_ids;
use crate::db::{sla, write_tx, DbConnection, StoreError};
use crate::domain::ticket::intake::ReporterRef;
use crate::domain::ticket::Tier;

/// What became of each intake, in order. An `Err` of the whole means
/// nothing was written (a database error; the caller may file them one by
/// one); a refused intake is an `Err` in its place and costs the others
/// nothing.
pub fn create_many(
    conn: &mut DbConnection,
    batch: &[Intake],
) -> Result<Vec<Result<CreateOutcome, StoreError>>, StoreError> {
    // Read before the write transaction, as `create` does.
    let filings: Vec<_> = batch.iter().map(|i| (i.new.service_id, i.new.unit_id, i.new.priority, i.ctx.now)).collect();
    let plans = sla::lifecycle::plan_many(conn, &filings)?;
    write_tx(conn, |conn| {
        let mut outcomes: Vec<Option<Result<CreateOutcome, StoreError>>> = batch.iter().map(|_| None).collect();
        replay_stored_keys(conn, batch, &mut outcomes)?;
        let stored = stored_references(conn, batch)?;
        let references = References::load(conn, batch, &outcomes)?;
        let decided = decide(batch, &references, &stored, &mut outcomes);
        let covered = coverage(conn, batch, &decided)?;
        let numbers = numbering::take(conn, Counter::Ticket, decided.accepted.len())?;
        let mut rows = Vec::with_capacity(numbers.len());
        let mut clocks = Vec::new();
        let mut routed = Vec::with_capacity(numbers.len());
        for (accepted, number) in decided.accepted.iter().zip(numbers) {
            let intake = &batch[accepted.index];
            let reason = if asks_coverage(&intake.new, accepted.direct_tier2, &accepted.unit_kind) {
                uncovered_reason(covered.contains(&intake.new.unit_id))
            } else {
                None
            };
            let tier = if accepted.direct_tier2 || reason.is_some() { Tier::Two } else { Tier::One };
            let planned = &plans[accepted.index];
            let watch = sla::clocks::Watch { priority: intake.new.priority, unit_id: intake.new.unit_id, tier };
            let summary = sla::clocks::summarise(conn, planned, watch, intake.ctx.now)?;
            let id = Uuid::now_v7();
            let number = format!("TKT-{}-{number:06}", intake.ctx.now.year());
            rows.push(new_row(&intake.ctx, &intake.new, id, number, tier, &summary)?);
            clocks.extend(planned.iter().map(|c| (id, c.clone())));
            routed.push(reason);
        }
        insert_batch!(conn, tickets::table, rows.clone());
        sla::clocks::insert_generated(conn, &clocks)?;
        let mut journal = BulkJournal::live();
        let mut keys = Vec::new();
        let mut created = Vec::with_capacity(rows.len());
        for ((row, accepted), reason) in rows.into_iter().zip(&decided.accepted).zip(routed) {
            let intake = &batch[accepted.index];
            let ticket = Ticket::try_from(row)?;
            journal.record(&intake.ctx, created_entry(&ticket, &plans[accepted.index], reason)?)?;
            if let Some(key) = &intake.key {
                keys.push(key_row(key, ticket.id, intake.ctx.now.naive_utc()));
            }
            created.push(ticket);
        }
        journal.flush(conn)?;
        insert_batch!(conn, idempotency_keys::table, keys);
        for (later, first) in decided.repeats {
            outcomes[later] = Some(Ok(CreateOutcome::Existing(created[first].clone())));
        }
        for (accepted, ticket) in decided.accepted.iter().zip(created) {
            outcomes[accepted.index] = Some(Ok(CreateOutcome::Created(ticket)));
        }
        outcomes
            .into_iter()
            .map(|o| o.ok_or_else(|| StoreError::Corrupt("an intake of the batch was left undecided".to_owned())))
            .collect()
    })
}

/// Intakes whose idempotency key an earlier request stored (checked first,
/// as `create` does).
fn replay_stored_keys(
    conn: &mut DbConnection,
    batch: &[Intake],
    outcomes: &mut [Option<Result<CreateOutcome, StoreError>>],
) -> Result<(), StoreError> {
    let keys: Vec<&str> = batch.iter().filter_map(|i| i.key.as_ref().map(|k| k.key.as_str())).collect();
    if keys.is_empty() {
        return Ok(());
    }
    forget_expired(conn, &batch.iter().filter_map(|i| i.key.as_ref()).collect::<Vec<_>>())?;
    let stored: Vec<(Uuid, String, Vec<u8>, String)> = idempotency_keys::table
        .filter(idempotency_keys::idem_key.eq_any(&keys))
        .select((
            idempotency_keys::actor_id,
            idempotency_keys::idem_key,
            idempotency_keys::request_hash,
            idempotency_keys::response_body,
        ))
        .load(conn)?;
    for (intake, outcome) in batch.iter().zip(outcomes.iter_mut()) {
        let Some(key) = &intake.key else { continue };
        let found = stored.iter().find(|(a, k, _, _)| *a == key.actor_id && *k == key.key);
        if let Some((_, _, hash, created)) = found {
            *outcome = Some(match replayed(key, hash, created) {
                Ok(id) => find_any(conn, id).map(CreateOutcome::Existing),
                Err(e) => Err(e),
            });
        }
    }
    Ok(())
}

/// The stored tickets that already hold an external reference of the
/// batch, by `(source, reference)`; [`decide`] replays them in order.
fn stored_references(
    conn: &mut DbConnection,
    batch: &[Intake],
) -> Result<HashMap<(String, String), Ticket>, StoreError> {
    let references: Vec<&str> =
        batch.iter().filter_map(|i| i.new.external.as_ref().map(|e| e.reference.as_str())).collect();
    if references.is_empty() {
        return Ok(HashMap::new());
    }
    let stored: Vec<(Option<String>, Option<String>, Uuid)> = tickets::table
        .filter(tickets::external_ref.eq_any(&references))
        .select((tickets::external_source, tickets::external_ref, tickets::id))
        .load(conn)?;
    let mut found = HashMap::new();
    for (source, reference, id) in stored {
        let (Some(source), Some(reference)) = (source, reference) else { continue };
        let wanted = batch
            .iter()
            .filter_map(|i| i.new.external.as_ref())
            .any(|e| e.source == source && e.reference == reference);
        if wanted {
            found.insert((source, reference), find_any(conn, id)?);
        }
    }
    Ok(found)
}

/// The services, units and named reporters of the undecided intakes.
struct References {
    services: HashMap<Uuid, (bool, bool)>,
    units: HashMap<Uuid, (bool, String)>,
    users: HashMap<Uuid, (Uuid, bool)>,
}

impl References {
    fn load(
        conn: &mut DbConnection,
        batch: &[Intake],
        outcomes: &[Option<Result<CreateOutcome, StoreError>>],
    ) -> Result<Self, StoreError> {
        let undecided: Vec<&Intake> = batch.iter().zip(outcomes).filter(|(_, o)| o.is_none()).map(|(i, _)| i).collect();
        let distinct =
            |ids: &mut dyn Iterator<Item = Uuid>| -> Vec<Uuid> { ids.collect::<HashSet<Uuid>>().into_iter().collect() };
        let service_ids = distinct(&mut undecided.iter().map(|i| i.new.service_id));
        let unit_ids = distinct(&mut undecided.iter().map(|i| i.new.unit_id));
        let user_ids = distinct(&mut undecided.iter().filter_map(|i| match i.new.reporter {
            ReporterRef::User(user) => Some(user),
            ReporterRef::OnBehalf { .. } => None,
        }));
        let services = if service_ids.is_empty() {
            Vec::new()
        } else {
            services::table
                .filter(services::id.eq_any(db_ids(&service_ids)))
                .select((services::id, services::active, services::direct_tier2))
                .load::<(Uuid, bool, bool)>(conn)?
        };
        let units = if unit_ids.is_empty() {
            Vec::new()
        } else {
            units::table
                .filter(units::id.eq_any(db_ids(&unit_ids)))
                .select((units::id, units::active, units::kind))
                .load::<(Uuid, bool, String)>(conn)?
        };
        let users = if user_ids.is_empty() {
            Vec::new()
        } else {
            users::table
                .filter(users::id.eq_any(db_ids(&user_ids)))
                .select((users::id, users::unit_id, users::active))
                .load::<(Uuid, Uuid, bool)>(conn)?
        };
        Ok(Self {
            services: services.into_iter().map(|(id, active, direct)| (id, (active, direct))).collect(),
            units: units.into_iter().map(|(id, active, kind)| (id, (active, kind))).collect(),
            users: users.into_iter().map(|(id, unit, active)| (id, (unit, active))).collect(),
        })
    }

    /// As `create`'s reference checks: the service's tier-2 flag and the
    /// unit's kind.
    fn check(&self, intake: &Intake) -> Result<(bool, String), StoreError> {
        let new = &intake.new;
        let direct_tier2 = service_verdict(self.services.get(&new.service_id).copied())?;
        let unit_kind = unit_verdict(self.units.get(&new.unit_id).cloned())?;
        if let ReporterRef::User(reporter) = new.reporter {
            reporter_verdict(self.users.get(&reporter).cloned(), new.unit_id)?;
        }
        Ok((direct_tier2, unit_kind))
    }
}

/// An intake that passed its checks and will be filed.
struct Accepted {
    index: usize,
    direct_tier2: bool,
    unit_kind: String,
}

/// The batch's decisions: what is filed, and which later intakes repeat
/// an earlier one's key or external reference (`(later, accepted)`).
struct Decided {
    accepted: Vec<Accepted>,
    repeats: Vec<(usize, usize)>,
}

/// Decides the undecided intakes in order, as filing them one by one would.
fn decide(
    batch: &[Intake],
    references: &References,
    stored: &HashMap<(String, String), Ticket>,
    outcomes: &mut [Option<Result<CreateOutcome, StoreError>>],
) -> Decided {
    let mut decided = Decided { accepted: Vec::new(), repeats: Vec::new() };
    let mut by_key: HashMap<(Uuid, &str), usize> = HashMap::new();
    let mut by_external: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, intake) in batch.iter().enumerate() {
        if outcomes[index].is_some() {
            continue;
        }
        let key = intake.key.as_ref();
        if let Some(&first) = key.and_then(|k| by_key.get(&(k.actor_id, k.key.as_str()))) {
            let first_hash = batch[decided.accepted[first].index].key.as_ref().map(|k| k.request_hash.as_slice());
            if first_hash == key.map(|k| k.request_hash.as_slice()) {
                decided.repeats.push((index, first));
            } else {
                outcomes[index] = Some(Err(key_reused()));
            }
            continue;
        }
        let external = intake.new.external.as_ref().map(|e| (e.source.as_str(), e.reference.as_str()));
        if let Some(&first) = external.and_then(|e| by_external.get(&e)) {
            decided.repeats.push((index, first));
            continue;
        }
        let earlier = intake.new.external.as_ref().and_then(|e| stored.get(&(e.source.clone(), e.reference.clone())));
        if let Some(ticket) = earlier {
            outcomes[index] = Some(Ok(CreateOutcome::Existing(ticket.clone())));
            continue;
        }
        match references.check(intake) {
            Err(refused) => outcomes[index] = Some(Err(refused)),
            Ok((direct_tier2, unit_kind)) => {
                let position = decided.accepted.len();
                if let Some(key) = key {
                    by_key.insert((key.actor_id, key.key.as_str()), position);
                }
                if let Some(external) = external {
                    by_external.insert(external, position);
                }
                decided.accepted.push(Accepted { index, direct_tier2, unit_kind });
            }
        }
    }
    decided
}

/// Which of the accepted intakes' Perangkat Daerah that need to know have
/// an active tier-1 technician.
fn coverage(conn: &mut DbConnection, batch: &[Intake], decided: &Decided) -> Result<HashSet<Uuid>, StoreError> {
    let asking: HashSet<Uuid> = decided
        .accepted
        .iter()
        .filter(|a| asks_coverage(&batch[a.index].new, a.direct_tier2, &a.unit_kind))
        .map(|a| batch[a.index].new.unit_id)
        .collect();
    crate::db::units::with_tier1(conn, &asking.into_iter().collect::<Vec<_>>())
}
