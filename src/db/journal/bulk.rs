//! The journal for many entries at once (the data generator, intake
//! batches, the SLA sweep): the same timeline and audit rows
//! [`super::record`] writes, numbered and chained in memory and inserted
//! many at a time. The generator records history, so it queues no notices;
//! intake and the sweep do.

use std::collections::{HashMap, HashSet};

use chrono::SubsecRound;
use diesel::prelude::*;
use uuid::Uuid;

use super::audit_log::{self, AuditRow};
use super::heads::LockedHead;
use super::notice_events::{self, EventRow as NoticeRow};
use super::timeline::{self, EventRow};
use crate::db::batch::insert_batch;
use crate::db::schema::{audit_heads, audit_log as audit_table, notice_events as notice_table, ticket_events, tickets};
use crate::db::{ids, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Visibility};

/// Entries of aggregates this journal opened, or of tickets it continues
/// (their heads locked by [`BulkJournal::continue_tickets`]); nothing else
/// may be recorded here (the heads live in memory until the flush).
#[derive(Default)]
pub struct BulkJournal {
    events: Vec<EventRow>,
    audit: Vec<AuditRow>,
    heads: HashMap<Uuid, LockedHead>,
    /// Per ticket: the last event number, and the last public one.
    numbers: HashMap<Uuid, (i32, i32)>,
    /// `Some` when the entries are queued for notices too.
    notices: Option<Vec<NoticeRow>>,
    /// Chains and tickets that existed before: their heads and event
    /// numbers are updated at the flush, not inserted.
    continued: HashSet<Uuid>,
    /// Chains and tickets with entries since the last flush.
    touched: HashSet<Uuid>,
}

impl BulkJournal {
    /// A journal that also queues ticket entries for notices, as
    /// [`super::record`] does: for live changes, not history.
    pub fn live() -> Self {
        Self { notices: Some(Vec::new()), ..Self::default() }
    }

    /// Continues the stored chains of `tickets` (`(id, last event number,
    /// last public one)` as read from their locked rows): locks their
    /// heads, as [`super::record`] does, in one query.
    pub fn continue_tickets(
        &mut self,
        conn: &mut DbConnection,
        tickets: &[(Uuid, i32, i32)],
    ) -> Result<(), StoreError> {
        let chains: Vec<Uuid> = tickets.iter().map(|(id, _, _)| *id).collect();
        for (chain, head) in super::heads::lock_many(conn, &chains)? {
            self.heads.insert(chain, head);
            self.continued.insert(chain);
        }
        for &(id, seq, public_seq) in tickets {
            self.numbers.insert(id, (seq, public_seq));
        }
        Ok(())
    }

    /// Records one entry, as [`super::record`] would.
    pub fn record(&mut self, ctx: &Context, entry: Entry) -> Result<(), StoreError> {
        let at = ctx.now.trunc_subsecs(6);
        if let (Some(notices), Some(ticket_id)) = (self.notices.as_mut(), entry.subject.ticket()) {
            // Bulk entries open tickets (their events move them), so no ticket
            // needs reading for its status and tier.
            notices.extend(notice_events::row_of(ctx, at, ticket_id, &entry, None));
        }
        if let (Some(ticket_id), Some(kind)) = (entry.subject.ticket(), entry.event.timeline_kind()) {
            let public = entry.event.visibility() == Visibility::Public;
            let (seq, public_seq) = self.numbers.entry(ticket_id).or_default();
            *seq += 1;
            *public_seq += i32::from(public);
            let numbers = (*seq, public.then_some(*public_seq));
            self.events.push(timeline::event_row(ctx, at, ticket_id, kind, &entry.event, numbers));
        }
        let chain = entry.subject.chain();
        self.touched.insert(chain);
        if let Some(ticket_id) = entry.subject.ticket() {
            self.touched.insert(ticket_id);
        }
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
        for (ticket, seq, public_seq) in self.flush_leaving_numbers(conn)? {
            diesel::update(tickets::table.find(ids::to_bytes(ticket)))
                .set((tickets::event_seq.eq(seq), tickets::public_event_seq.eq(public_seq)))
                .execute(conn)?;
        }
        Ok(())
    }

    /// As [`BulkJournal::flush`], but returns the continued tickets' new
    /// event numbers (`(id, last, last public)`) for the caller to write in
    /// its own update of their rows: one row update instead of two.
    pub fn flush_leaving_numbers(&mut self, conn: &mut DbConnection) -> Result<Vec<(Uuid, i32, i32)>, StoreError> {
        insert_batch!(conn, ticket_events::table, &self.events);
        insert_batch!(conn, audit_table::table, &self.audit);
        if let Some(notices) = self.notices.as_mut() {
            insert_batch!(conn, notice_table::table, &*notices);
            notices.clear();
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
                    audit_heads::chain_id.eq(ids::to_bytes(chain)),
                    audit_heads::position.eq(position),
                    audit_heads::hash.eq(hash.to_vec()),
                    audit_heads::signed.eq(false),
                    audit_heads::written_at.eq(at.naive_utc()),
                ));
            }
        }
        insert_batch!(conn, audit_heads::table, &new_heads);
        let numbers = self
            .numbers
            .drain()
            .filter(|(ticket, _)| self.continued.contains(ticket) && self.touched.contains(ticket))
            .map(|(ticket, (seq, public_seq))| (ticket, seq, public_seq))
            .collect();
        self.events.clear();
        self.audit.clear();
        self.continued.clear();
        self.touched.clear();
        Ok(numbers)
    }
}
