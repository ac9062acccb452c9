//! What rows one journal entry writes, decided once: its timeline row (a
//! ticket's or a change's), its queued notice and its chained audit row.
//! [`super::record`] writes them straight into the database;
//! [`super::bulk::BulkJournal`] batches them. Both are a [`Sink`] of the
//! same [`write`].

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::audit_log::{self, AuditRow};
use super::change_timeline::{self, ChangeEventRow, ChangeMove};
use super::heads::{self, LockedHead};
use super::notice_events::{self, EventRow as NoticeRow};
use super::personal;
use super::timeline::{self, EventRow};
use crate::db::schema::{audit_log as audit_table, change_events, notice_events as notice_table, tickets};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::encoding::Hash;
use crate::domain::journal::chain::Link;
use crate::domain::journal::compact;
use crate::domain::journal::{Context, Entry, Event, Subject, Visibility};
use crate::domain::privacy;

/// Where an entry's rows go, and what the rows need to know of the
/// aggregates before them (numbers, chain heads, where a ticket stands).
pub(super) trait Sink {
    /// The numbers a ticket's next timeline event takes (all, and among
    /// the public ones when `public`); `filing`: the event files it.
    fn ticket_numbers(&mut self, ticket: Uuid, public: bool, filing: bool) -> Result<(i32, Option<i32>), StoreError>;
    /// The number a change's next timeline event takes.
    fn change_number(&mut self, change: Uuid) -> Result<i32, StoreError>;
    /// A ticket's status and tier as they stand now.
    fn ticket_place(&mut self, ticket: Uuid) -> Result<Option<(String, i16)>, StoreError>;
    /// The head of a chain the entry continues.
    fn head(&mut self, chain: Uuid) -> Result<Option<LockedHead>, StoreError>;
    fn ticket_event(&mut self, row: EventRow) -> Result<(), StoreError>;
    fn change_event(&mut self, row: ChangeEventRow) -> Result<(), StoreError>;
    fn notice(&mut self, row: NoticeRow) -> Result<(), StoreError>;
    /// The audit row of `link`, which moves its chain's head.
    fn audit(&mut self, link: &Link, hash: [u8; 32]) -> Result<(), StoreError>;
    /// The commitment an entry holds instead of `value`, the personal
    /// `field` of `subject`, with the value and its salt stored apart.
    fn personal(
        &mut self,
        subject: Uuid,
        field: &'static str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<Hash, StoreError>;
}

/// Writes one entry's rows to `sink`: its timeline event, its notice event
/// (if anyone can subscribe to it) and its audit entry, chained to its
/// aggregate's previous one.
pub(super) fn write(sink: &mut impl Sink, ctx: &Context, entry: &Entry) -> Result<(), StoreError> {
    let at = ctx.now.trunc_subsecs(6);
    if let (Some(ticket_id), Some(kind)) = (entry.subject.ticket(), entry.event.timeline_kind()) {
        let public = entry.event.visibility() == Visibility::Public;
        let filing = matches!(entry.event, Event::TicketCreated { .. });
        let numbers = sink.ticket_numbers(ticket_id, public, filing)?;
        sink.ticket_event(timeline::event_row(ctx, at, ticket_id, kind, &entry.event, numbers))?;
    }
    if let Some(ticket_id) = entry.subject.ticket().filter(|_| notice_events::is_queued(entry)) {
        // An event that does not move its ticket carries the ticket as it
        // stands in this transaction, not as it stands when fanned out.
        let found = match entry.event.movement().1 {
            Some(_) => None,
            None => sink.ticket_place(ticket_id)?,
        };
        if let Some(row) = notice_events::row_of(ctx, at, ticket_id, entry, found) {
            sink.notice(row)?;
        }
    }
    if let (Some(change_id), Event::Change { kind, from, to, detail }) = (entry.subject.change(), &entry.event) {
        let seq = sink.change_number(change_id)?;
        let moved = ChangeMove { kind: *kind, from: *from, to: *to, detail };
        sink.change_event(change_timeline::event_row(ctx, at, change_id, seq, &moved))?;
        if let Some(row) = notice_events::row_of(ctx, at, change_id, entry, None) {
            sink.notice(row)?;
        }
    }
    if let (Subject::Article(article_id), Event::Article { .. }) = (entry.subject, &entry.event) {
        if let Some(row) = notice_events::row_of(ctx, at, article_id, entry, None) {
            sink.notice(row)?;
        }
    }
    let sealed = sealed(sink, entry, at)?;
    let entry = sealed.as_ref().unwrap_or(entry);
    let previous = if entry.event.opens_chain() { None } else { sink.head(entry.subject.chain())? };
    let link = audit_log::link_of(ctx, at, entry, previous);
    let hash = link.hash();
    sink.audit(&link, hash)
}

/// The entry with its personal values sealed (`domain::privacy`), or
/// `None` when its states hold none: the hashed text never holds them.
fn sealed(sink: &mut impl Sink, entry: &Entry, at: DateTime<Utc>) -> Result<Option<Entry>, StoreError> {
    let holds =
        |state: &Option<serde_json::Value>| state.as_ref().is_some_and(|s| !privacy::in_the_clear(s).is_empty());
    if !holds(&entry.before) && !holds(&entry.after) {
        return Ok(None);
    }
    let subject = entry.subject.chain();
    let mut sealed = entry.clone();
    for state in [&mut sealed.before, &mut sealed.after].into_iter().flatten() {
        privacy::seal(state, |field, value| sink.personal(subject, field, value, at))?;
    }
    Ok(Some(sealed))
}

/// The database itself, in the caller's transaction.
pub(super) struct Direct<'c>(pub &'c mut DbConnection);

impl Sink for Direct<'_> {
    fn ticket_numbers(&mut self, ticket: Uuid, public: bool, filing: bool) -> Result<(i32, Option<i32>), StoreError> {
        // A new ticket's first event takes 1 without the round trips: the
        // row was inserted so.
        if filing {
            return Ok((1, public.then_some(1)));
        }
        let (seq, public_seq) = timeline::take_numbers(self.0, ticket, public)?;
        Ok((seq, public.then_some(public_seq)))
    }

    fn change_number(&mut self, change: Uuid) -> Result<i32, StoreError> {
        change_timeline::take_number(self.0, change)
    }

    fn ticket_place(&mut self, ticket: Uuid) -> Result<Option<(String, i16)>, StoreError> {
        Ok(tickets::table
            .find(DbId(ticket))
            .select((tickets::status, tickets::tier))
            .first::<(String, i16)>(self.0)
            .optional()?)
    }

    fn head(&mut self, chain: Uuid) -> Result<Option<LockedHead>, StoreError> {
        heads::lock(self.0, chain)
    }

    fn ticket_event(&mut self, row: EventRow) -> Result<(), StoreError> {
        diesel::insert_into(crate::db::schema::ticket_events::table).values(row).execute(self.0)?;
        Ok(())
    }

    fn change_event(&mut self, row: ChangeEventRow) -> Result<(), StoreError> {
        diesel::insert_into(change_events::table).values(row).execute(self.0)?;
        Ok(())
    }

    fn notice(&mut self, row: NoticeRow) -> Result<(), StoreError> {
        diesel::insert_into(notice_table::table).values(row).execute(self.0)?;
        Ok(())
    }

    fn audit(&mut self, link: &Link, hash: [u8; 32]) -> Result<(), StoreError> {
        // Only a state before can refer to the record's previous entry.
        let previous = match link.before_json {
            Some(_) => super::unfold::previous_of(self.0, link.chain, link.entity_id, i64::MAX)?,
            None => None,
        };
        let (stored, _) = compact::compact(link.before_json.as_deref(), link.after_json.as_deref(), previous.as_ref());
        let row: AuditRow = audit_log::row_of(link, &hash, stored);
        diesel::insert_into(audit_table::table).values(row).execute(self.0)?;
        heads::advance(self.0, link.chain, link.position, &hash, link.occurred_at)
    }

    fn personal(
        &mut self,
        subject: Uuid,
        field: &'static str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<Hash, StoreError> {
        if let Some(commitment) = personal::held(self.0, subject, field, value)? {
            return Ok(commitment);
        }
        let (commitment, row) = personal::fresh(subject, field, value, at);
        personal::insert(self.0, row)?;
        Ok(commitment)
    }
}
