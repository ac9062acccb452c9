//! The journal for many entries at once (the data generator, intake
//! batches, the SLA sweep): the rows [`super::record`] writes, decided by
//! the same [`writer::write`], with their numbers and chains kept in memory
//! and inserted many at a time. The generator records history, so it
//! queues no notices; intake and the sweep do.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::audit_log::{self, AuditRow};
use super::change_timeline::{self, ChangeEventRow};
use super::heads::LockedHead;
use super::notice_events::EventRow as NoticeRow;
use super::personal::PersonalRow;
use super::timeline::EventRow;
use super::writer::{self, Sink};
use crate::db::batch::insert_batch;
use crate::db::schema::{
    audit_heads, audit_log as audit_table, change_events, notice_events as notice_table, ticket_events, tickets,
};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::encoding::Hash;
use crate::domain::journal::chain::Link;
use crate::domain::journal::compact::{self, Previous};
use crate::domain::journal::{Context, Entry, Place};

/// A stored ticket a batch continues: its id, last event number, last
/// public one, and where it stands.
pub type ContinuedTicket = (Uuid, i32, i32, Place);

/// Entries of aggregates this journal opened, or of tickets and changes it
/// continues (their heads locked by [`BulkJournal::continue_tickets`] and
/// [`BulkJournal::continue_changes`]); nothing else may be recorded here
/// (the heads live in memory until the flush).
#[derive(Default)]
pub struct BulkJournal {
    events: Vec<EventRow>,
    change_events: Vec<ChangeEventRow>,
    audit: Vec<AuditRow>,
    heads: HashMap<Uuid, LockedHead>,
    /// Per ticket: the last event number, and the last public one.
    numbers: HashMap<Uuid, (i32, i32)>,
    /// Per change: the last event number.
    change_numbers: HashMap<Uuid, i32>,
    /// Per ticket: where its entries left it.
    places: HashMap<Uuid, Place>,
    /// Personal values committed to by the entries, by subject, field and
    /// value (one commitment each per batch), and their rows to insert.
    personal: HashMap<(Uuid, &'static str, String), Hash>,
    personal_rows: Vec<PersonalRow>,
    /// Per chain and record: its last entry here, which the next one's
    /// state before may refer to (`compact`).
    lasts: HashMap<(Uuid, Uuid), Previous>,
    /// `Some` when the entries are queued for notices too.
    notices: Option<Vec<NoticeRow>>,
    /// Chains, tickets and changes that existed before: their heads and
    /// event numbers are updated at the flush, not inserted.
    continued: HashSet<Uuid>,
    /// Chains, tickets and changes with entries since the last flush.
    touched: HashSet<Uuid>,
}

impl BulkJournal {
    /// A journal that also queues entries for notices, as [`super::record`]
    /// does: for live changes, not history.
    pub fn live() -> Self {
        Self { notices: Some(Vec::new()), ..Self::default() }
    }

    /// Continues the stored chains of `tickets` (as read from their locked
    /// rows): locks their heads, as [`super::record`] does, in one query.
    pub fn continue_tickets(&mut self, conn: &mut DbConnection, tickets: &[ContinuedTicket]) -> Result<(), StoreError> {
        let chains: Vec<Uuid> = tickets.iter().map(|(id, ..)| *id).collect();
        self.continue_chains(conn, &chains)?;
        for &(id, seq, public_seq, place) in tickets {
            self.numbers.insert(id, (seq, public_seq));
            self.places.insert(id, place);
        }
        Ok(())
    }

    /// Continues the stored chains and timelines of `changes`.
    pub fn continue_changes(&mut self, conn: &mut DbConnection, changes: &[Uuid]) -> Result<(), StoreError> {
        self.continue_chains(conn, changes)?;
        for (id, seq) in change_timeline::numbers(conn, changes)? {
            self.change_numbers.insert(id, seq);
            self.continued.insert(id);
        }
        Ok(())
    }

    fn continue_chains(&mut self, conn: &mut DbConnection, chains: &[Uuid]) -> Result<(), StoreError> {
        for (chain, head) in super::heads::lock_many(conn, chains)? {
            self.heads.insert(chain, head);
            self.continued.insert(chain);
        }
        Ok(())
    }

    /// Records one entry, as [`super::record`] would.
    pub fn record(&mut self, ctx: &Context, entry: Entry) -> Result<(), StoreError> {
        writer::write(self, ctx, &entry)?;
        if let (Some(ticket_id), (_, Some(place))) = (entry.subject.ticket(), entry.event.movement()) {
            self.places.insert(ticket_id, place);
        }
        Ok(())
    }

    /// A ticket's event numbers so far (all, public), for its row.
    pub fn numbers(&self, ticket_id: Uuid) -> (i32, i32) {
        self.numbers.get(&ticket_id).copied().unwrap_or_default()
    }

    /// Writes what was recorded (after the rows the entries are about) and
    /// starts empty.
    pub fn flush(&mut self, conn: &mut DbConnection) -> Result<(), StoreError> {
        for (ticket, seq, public_seq) in self.flush_leaving_numbers(conn)? {
            diesel::update(tickets::table.find(DbId(ticket)))
                .set((tickets::event_seq.eq(seq), tickets::public_event_seq.eq(public_seq)))
                .execute(conn)?;
        }
        Ok(())
    }

    /// As [`BulkJournal::flush`], but returns the continued tickets' new
    /// event numbers (`(id, last, last public)`) for the caller to write in
    /// its own update of their rows: one row update instead of two.
    pub fn flush_leaving_numbers(&mut self, conn: &mut DbConnection) -> Result<Vec<(Uuid, i32, i32)>, StoreError> {
        insert_batch!(conn, ticket_events::table, self.events.drain(..));
        insert_batch!(conn, change_events::table, self.change_events.drain(..));
        insert_batch!(conn, audit_table::table, self.audit.drain(..));
        super::personal::insert_many(conn, std::mem::take(&mut self.personal_rows))?;
        self.personal.clear();
        if let Some(notices) = self.notices.as_mut() {
            insert_batch!(conn, notice_table::table, notices.drain(..));
        }
        let mut new_heads = Vec::new();
        for (chain, (position, hash, at)) in self.heads.drain() {
            if !self.touched.contains(&chain) {
                continue;
            }
            if self.continued.contains(&chain) {
                super::heads::advance(conn, chain, position, &hash, at)?;
            } else {
                new_heads.push((
                    audit_heads::chain_id.eq(DbId(chain)),
                    audit_heads::position.eq(position),
                    audit_heads::hash.eq(hash.to_vec()),
                    audit_heads::signed.eq(false),
                    audit_heads::written_at.eq(at.naive_utc()),
                ));
            }
        }
        insert_batch!(conn, audit_heads::table, new_heads);
        for (change, seq) in self.change_numbers.drain() {
            if self.touched.contains(&change) {
                change_timeline::set_number(conn, change, seq)?;
            }
        }
        let numbers = self
            .numbers
            .drain()
            .filter(|(ticket, _)| self.continued.contains(ticket) && self.touched.contains(ticket))
            .map(|(ticket, (seq, public_seq))| (ticket, seq, public_seq))
            .collect();
        self.events.clear();
        self.change_events.clear();
        self.audit.clear();
        self.places.clear();
        self.lasts.clear();
        self.continued.clear();
        self.touched.clear();
        Ok(numbers)
    }
}

impl Sink for BulkJournal {
    fn ticket_numbers(&mut self, ticket: Uuid, public: bool, _filing: bool) -> Result<(i32, Option<i32>), StoreError> {
        self.touched.insert(ticket);
        let (seq, public_seq) = self.numbers.entry(ticket).or_default();
        *seq += 1;
        *public_seq += i32::from(public);
        Ok((*seq, public.then_some(*public_seq)))
    }

    fn change_number(&mut self, change: Uuid) -> Result<i32, StoreError> {
        self.touched.insert(change);
        let seq = self.change_numbers.entry(change).or_default();
        *seq += 1;
        Ok(*seq)
    }

    fn ticket_place(&mut self, ticket: Uuid) -> Result<Option<(String, i16)>, StoreError> {
        Ok(self.places.get(&ticket).map(|(status, tier)| (status.as_str().to_owned(), i16::from(*tier))))
    }

    fn head(&mut self, chain: Uuid) -> Result<Option<LockedHead>, StoreError> {
        match self.heads.get(&chain) {
            Some(head) => Ok(Some(*head)),
            None => Err(StoreError::Corrupt(format!("bulk journal: chain {chain} was not opened here"))),
        }
    }

    fn ticket_event(&mut self, row: EventRow) -> Result<(), StoreError> {
        self.events.push(row);
        Ok(())
    }

    fn change_event(&mut self, row: ChangeEventRow) -> Result<(), StoreError> {
        self.change_events.push(row);
        Ok(())
    }

    fn notice(&mut self, row: NoticeRow) -> Result<(), StoreError> {
        if let Some(notices) = self.notices.as_mut() {
            notices.push(row);
        }
        Ok(())
    }

    fn personal(
        &mut self,
        subject: Uuid,
        field: &'static str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<Hash, StoreError> {
        let key = (subject, field, value.to_owned());
        if let Some(commitment) = self.personal.get(&key) {
            return Ok(*commitment);
        }
        let (commitment, row) = super::personal::fresh(subject, field, value, at);
        self.personal_rows.push(row);
        self.personal.insert(key, commitment);
        Ok(commitment)
    }

    fn audit(&mut self, link: &Link, hash: [u8; 32]) -> Result<(), StoreError> {
        self.touched.insert(link.chain);
        // A continued chain's earlier entries are not read: a state before
        // that refers to them is stored whole.
        let key = (link.chain, link.entity_id);
        let (before, after) = (link.before_json.as_deref(), link.after_json.as_deref());
        let (stored, depth) = compact::compact(before, after, self.lasts.get(&key));
        self.lasts.insert(key, Previous { position: link.position, after: link.after_json.clone(), depth });
        self.audit.push(audit_log::row_of(link, &hash, stored));
        self.heads.insert(link.chain, (link.position, hash, link.occurred_at));
        Ok(())
    }
}
