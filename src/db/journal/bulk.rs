//! The journal for bulk loads (the data generator): the same timeline and
//! audit rows [`super::record`] writes, numbered and chained in memory and
//! inserted many at a time. It records history, so it queues no notices.

use std::collections::HashMap;

use chrono::SubsecRound;
use diesel::prelude::*;
use uuid::Uuid;

use super::audit_log::{self, AuditRow};
use super::heads::LockedHead;
use super::timeline::{self, EventRow};
use crate::db::batch::insert_batch;
use crate::db::schema::{audit_heads, audit_log as audit_table, ticket_events};
use crate::db::{ids, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Visibility};

/// Entries of aggregates this journal opened; nothing else may be
/// recorded here (their heads live only in memory).
#[derive(Default)]
pub struct BulkJournal {
    events: Vec<EventRow>,
    audit: Vec<AuditRow>,
    heads: HashMap<Uuid, LockedHead>,
    /// Per ticket: the last event number, and the last public one.
    numbers: HashMap<Uuid, (i32, i32)>,
}

impl BulkJournal {
    /// Records one entry, as [`super::record`] would.
    pub fn record(&mut self, ctx: &Context, entry: Entry) -> Result<(), StoreError> {
        let at = ctx.now.trunc_subsecs(6);
        if let (Some(ticket_id), Some(kind)) = (entry.subject.ticket(), entry.event.timeline_kind()) {
            let public = entry.event.visibility() == Visibility::Public;
            let (seq, public_seq) = self.numbers.entry(ticket_id).or_default();
            *seq += 1;
            *public_seq += i32::from(public);
            let numbers = (*seq, public.then_some(*public_seq));
            self.events.push(timeline::event_row(ctx, at, ticket_id, kind, &entry.event, numbers));
        }
        let chain = entry.subject.chain();
        let previous = self.heads.get(&chain).copied();
        if previous.is_none() && !entry.event.opens_chain() {
            return Err(StoreError::Corrupt(format!("bulk journal: chain {chain} was not opened here")));
        }
        let link = audit_log::link_of(ctx, at, &entry, previous);
        let hash = link.hash();
        self.audit.push(audit_log::row_of(&link, &hash));
        self.heads.insert(chain, (link.position, hash, link.occurred_at));
        Ok(())
    }

    /// A ticket's event numbers so far (all, public), for its row.
    pub fn numbers(&self, ticket_id: Uuid) -> (i32, i32) {
        self.numbers.get(&ticket_id).copied().unwrap_or_default()
    }

    /// Writes what was recorded (after the rows the entries are about) and
    /// starts empty.
    pub fn flush(&mut self, conn: &mut DbConnection) -> Result<(), StoreError> {
        insert_batch!(conn, ticket_events::table, &self.events);
        insert_batch!(conn, audit_table::table, &self.audit);
        let heads: Vec<_> = self
            .heads
            .drain()
            .map(|(chain, (position, hash, at))| {
                (
                    audit_heads::chain_id.eq(ids::to_bytes(chain)),
                    audit_heads::position.eq(position),
                    audit_heads::hash.eq(hash.to_vec()),
                    audit_heads::signed.eq(false),
                    audit_heads::written_at.eq(at.naive_utc()),
                )
            })
            .collect();
        insert_batch!(conn, audit_heads::table, &heads);
        self.events.clear();
        self.audit.clear();
        self.numbers.clear();
        Ok(())
    }
}
