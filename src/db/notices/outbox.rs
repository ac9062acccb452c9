//! Notices: one row per mail recipient or webhook subscription, with its
//! stable id, rendered content, status and attempts.
//!
//! A dispatcher claims due rows by leasing them (a short transaction, so no
//! lock is held while it talks to a mail server), sends, then records the
//! outcome. A dispatcher that dies mid-send leaves its lease to expire: the
//! row is tried again with the same id, the one duplicate that can happen.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use crate::db::journal;
use crate::db::schema::{notice_attempts, notices, webhook_subscriptions};
use crate::db::sql_types::{db_ids, DbId, OptionalDbId};
use crate::db::{write_tx, ClaimedId, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};

pub use crate::domain::notice::status::{NoticeKind, NoticeStatus};

/// A notice to write.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub id: Uuid,
    pub kind: NoticeKind,
    pub event_id: Uuid,
    pub event: String,
    pub ticket_id: Option<Uuid>,
    pub audience: String,
    pub subscription_id: Option<Uuid>,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub template: Option<String>,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub critical: bool,
    pub not_before: DateTime<Utc>,
}

/// What a webhook delivery is about: its event, and the ticket if any.
pub struct WebhookEvent {
    pub event_id: Uuid,
    pub event: String,
    pub ticket_id: Option<Uuid>,
}

impl NewNotice {
    /// A delivery of `about` to a subscription's `url`, signed and sent from
    /// `not_before` on.
    pub fn webhook(
        about: WebhookEvent,
        subscription: Uuid,
        url: String,
        body: String,
        not_before: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: NoticeKind::Webhook,
            event_id: about.event_id,
            event: about.event,
            ticket_id: about.ticket_id,
            audience: format!("subscription:{subscription}"),
            subscription_id: Some(subscription),
            recipient: url,
            recipient_name: None,
            template: None,
            subject: None,
            body_text: body,
            body_html: None,
            critical: false,
            not_before,
        }
    }
}

#[derive(Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = notices)]
struct NoticeRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    kind: NoticeKind,
    #[diesel(serialize_as = DbId)]
    event_id: Uuid,
    event: String,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    ticket_id: Option<Uuid>,
    audience: String,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    subscription_id: Option<Uuid>,
    recipient: String,
    recipient_name: Option<String>,
    template: Option<String>,
    subject: Option<String>,
    body_text: String,
    body_html: Option<String>,
    critical: bool,
    status: NoticeStatus,
    attempts: i32,
    round_started_at: Option<NaiveDateTime>,
    round_attempts: i32,
    next_attempt_at: NaiveDateTime,
    leased_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    last_status_code: Option<i32>,
    last_latency_ms: Option<i32>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

/// A stored notice.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: Uuid,
    pub kind: NoticeKind,
    pub event_id: Uuid,
    pub event: String,
    pub ticket_id: Option<Uuid>,
    pub audience: String,
    pub subscription_id: Option<Uuid>,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub template: Option<String>,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub critical: bool,
    pub status: NoticeStatus,
    pub attempts: i32,
    /// The current round of retries: when it began and its attempts.
    #[serde(skip)]
    pub round: (Option<DateTime<Utc>>, i32),
    pub next_attempt_at: DateTime<Utc>,
    /// The lease of the dispatcher holding it, if any.
    #[serde(skip)]
    pub leased_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl TryFrom<NoticeRow> for Notice {
    type Error = StoreError;

    fn try_from(row: NoticeRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            kind: row.kind,
            event_id: row.event_id,
            event: row.event,
            ticket_id: row.ticket_id,
            audience: row.audience,
            subscription_id: row.subscription_id,
            recipient: row.recipient,
            recipient_name: row.recipient_name,
            template: row.template,
            subject: row.subject,
            body_text: row.body_text,
            body_html: row.body_html,
            critical: row.critical,
            status: row.status,
            attempts: row.attempts,
            round: (row.round_started_at.map(|t| t.and_utc()), row.round_attempts),
            next_attempt_at: row.next_attempt_at.and_utc(),
            leased_until: row.leased_until.map(|t| t.and_utc()),
            last_error: row.last_error,
            last_status_code: row.last_status_code,
            last_latency_ms: row.last_latency_ms,
            created_at: row.created_at.and_utc(),
            sent_at: row.sent_at.map(|t| t.and_utc()),
        })
    }
}

/// Writes notices (in the fan-out's transaction).
pub fn insert_all(conn: &mut DbConnection, now: DateTime<Utc>, new: &[NewNotice]) -> Result<(), StoreError> {
    let rows: Vec<NoticeRow> = new
        .iter()
        .map(|n| NoticeRow {
            id: n.id,
            kind: n.kind,
            event_id: n.event_id,
            event: n.event.clone(),
            ticket_id: n.ticket_id,
            audience: n.audience.clone(),
            subscription_id: n.subscription_id,
            recipient: n.recipient.clone(),
            recipient_name: n.recipient_name.clone(),
            template: n.template.clone(),
            subject: n.subject.clone(),
            body_text: n.body_text.clone(),
            body_html: n.body_html.clone(),
            critical: n.critical,
            status: NoticeStatus::Pending,
            attempts: 0,
            round_started_at: None,
            round_attempts: 0,
            next_attempt_at: n.not_before.naive_utc(),
            leased_until: None,
            last_error: None,
            last_status_code: None,
            last_latency_ms: None,
            created_at: now.naive_utc(),
            sent_at: None,
        })
        .collect();
    // Batches keep within SQLite's bound-parameter limit; a multi-row
    // insert is written per backend (the portable one has no DEFAULT).
    for chunk in rows.chunks(40) {
        match conn {
            DbConnection::Postgres(pg) => diesel::insert_into(notices::table).values(chunk.to_vec()).execute(pg)?,
            DbConnection::Sqlite(lite) => diesel::insert_into(notices::table).values(chunk.to_vec()).execute(lite)?,
        };
    }
    Ok(())
}

/// Leases up to `limit` due notices of `kind` to this dispatcher until
/// `now + lease`.
///
/// On SQLite a poll first looks outside any transaction: most polls find
/// nothing due, and a write transaction would hold the one writer.
///
/// Deliveries to the subscriptions in `busy` (those sending all they may
/// at once) are left for later.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease: Duration,
    kind: NoticeKind,
    limit: u32,
    busy: &[Uuid],
) -> Result<Vec<Notice>, StoreError> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    if sqlite && due_ids(conn, now, kind, 1, busy)?.is_empty() {
        return Ok(Vec::new());
    }
    write_tx(conn, |conn| {
        let ids = due_ids(conn, now, kind, limit, busy)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(notices::table.filter(notices::id.eq_any(db_ids(&ids))))
            .set(notices::leased_until.eq(Some((now + lease).naive_utc())))
            .execute(conn)?;
        load_many(conn, &ids)
    })
}

/// The ids of up to `limit` notices of `kind` due at `now` and not leased,
/// oldest due first; on PostgreSQL locked for leasing, skipping rows
/// another dispatcher is leasing.
///
/// SQLite is told to walk the due index: without statistics it would take
/// the status index and read every pending notice, a whole backlog of
/// notices held back until working hours, before finding none due.
fn due_ids(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    kind: NoticeKind,
    limit: u32,
    busy: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    // Ids are written as literals: they are ours, and hex cannot inject.
    let not_busy = if busy.is_empty() {
        String::new()
    } else {
        let literal = |id: &Uuid| match conn {
            DbConnection::Postgres(_) => format!("'{id}'::uuid"),
            DbConnection::Sqlite(_) => format!("X'{}'", id.simple()),
        };
        let list: Vec<String> = busy.iter().map(literal).collect();
        format!(" AND (subscription_id IS NULL OR subscription_id NOT IN ({}))", list.join(", "))
    };
    let due = format!(
        "WHERE status IN ('pending', 'failed') AND next_attempt_at <= $1 \
         AND (leased_until IS NULL OR leased_until <= $1) AND kind = '{}'{not_busy} \
         ORDER BY next_attempt_at, id LIMIT {limit}",
        kind.as_str()
    );
    let claimed: Vec<ClaimedId> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(format!("SELECT id FROM notices {due} FOR UPDATE SKIP LOCKED"))
            .bind::<Timestamp, _>(now.naive_utc())
            .load(pg)?,
        DbConnection::Sqlite(lite) => {
            diesel::sql_query(format!("SELECT id FROM notices INDEXED BY notices_due {}", due.replace("$1", "?1")))
                .bind::<Timestamp, _>(now.naive_utc())
                .load(lite)?
        }
    };
    Ok(claimed.into_iter().map(|c| c.id).collect())
}

/// Hands claimed notices back unsent (over their target's share): the
/// lease is lifted if it is still the one the claim wrote.
pub fn release(conn: &mut DbConnection, claimed: &[Notice]) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        for notice in claimed {
            let held = notices::table
                .find(DbId(notice.id))
                .filter(notices::leased_until.eq(notice.leased_until.map(|t| t.naive_utc())));
            diesel::update(held).set(notices::leased_until.eq(None::<NaiveDateTime>)).execute(conn)?;
        }
        Ok(())
    })
}

/// Holds a subscription's deliveries until `until` (its failed delivery's
/// retry): those waiting now, but those another dispatcher is sending, and
/// (through the subscription) those fanned out meanwhile; returns how many
/// waiting ones now wait longer. Call in the transaction recording the
/// failure.
pub fn hold_subscription(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    subscription: Uuid,
    until: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let waiting = notices::table
        .filter(notices::subscription_id.eq(DbId(subscription)))
        .filter(notices::kind.eq(NoticeKind::Webhook.as_str()))
        .filter(notices::status.eq_any([NoticeStatus::Pending.as_str(), NoticeStatus::Failed.as_str()]))
        .filter(notices::next_attempt_at.lt(until.naive_utc()))
        .filter(notices::leased_until.is_null().or(notices::leased_until.le(now.naive_utc())));
    let held = diesel::update(waiting).set(notices::next_attempt_at.eq(until.naive_utc())).execute(conn)?;
    let earlier = webhook_subscriptions::deliveries_held_until
        .is_null()
        .or(webhook_subscriptions::deliveries_held_until.lt(until.naive_utc()));
    diesel::update(webhook_subscriptions::table.find(DbId(subscription)).filter(earlier))
        .set(webhook_subscriptions::deliveries_held_until.eq(Some(until.naive_utc())))
        .execute(conn)?;
    Ok(held)
}

/// Ends a subscription's back-off: its waiting deliveries are due now (a
/// new target was given, or it was enabled again).
pub fn lift_hold(conn: &mut DbConnection, now: DateTime<Utc>, subscription: Uuid) -> Result<(), StoreError> {
    let waiting = notices::table
        .filter(notices::subscription_id.eq(DbId(subscription)))
        .filter(notices::kind.eq(NoticeKind::Webhook.as_str()))
        .filter(notices::status.eq_any([NoticeStatus::Pending.as_str(), NoticeStatus::Failed.as_str()]))
        .filter(notices::next_attempt_at.gt(now.naive_utc()))
        .filter(notices::leased_until.is_null().or(notices::leased_until.le(now.naive_utc())));
    diesel::update(waiting).set(notices::next_attempt_at.eq(now.naive_utc())).execute(conn)?;
    diesel::update(webhook_subscriptions::table.find(DbId(subscription)))
        .set(webhook_subscriptions::deliveries_held_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

fn load_many(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<Notice>, StoreError> {
    let rows: Vec<NoticeRow> = notices::table
        .filter(notices::id.eq_any(db_ids(ids)))
        .order((notices::next_attempt_at, notices::id))
        .select(NoticeRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Notice::try_from).collect()
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Failed; try again at the instant.
    Retry(DateTime<Utc>),
    /// Failed for good (a permanent refusal, or past the retry limit).
    Dead,
}

/// One attempt's result, as recorded.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub notice_id: Uuid,
    /// The lease the claim wrote: the attempt is recorded only while the
    /// notice is still held under it (not taken over after it ran out).
    pub lease: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

/// Records attempts and releases their leases; returns the ids recorded
/// (an attempt whose lease another dispatcher took over is not: its
/// outcome belongs to the one holding the notice now).
pub fn record_attempts(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    attempts: &[Attempt],
) -> Result<Vec<Uuid>, StoreError> {
    write_tx(conn, |conn| {
        let mut recorded = Vec::with_capacity(attempts.len());
        for attempt in attempts {
            let id = attempt.notice_id;
            let (status, next) = match attempt.outcome {
                Outcome::Sent => (NoticeStatus::Sent, now),
                Outcome::Retry(at) => (NoticeStatus::Failed, at),
                Outcome::Dead => (NoticeStatus::Dead, now),
            };
            let held =
                notices::table.find(DbId(id)).filter(notices::leased_until.eq(attempt.lease.map(|t| t.naive_utc())));
            let updated = diesel::update(held)
                .set((
                    notices::status.eq(status.as_str()),
                    notices::attempts.eq(notices::attempts + 1),
                    notices::round_attempts.eq(notices::round_attempts + 1),
                    notices::round_started_at.eq(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Timestamp>,
                    >("COALESCE(round_started_at, ")
                    .bind::<diesel::sql_types::Timestamp, _>(now.naive_utc())
                    .sql(")")),
                    notices::next_attempt_at.eq(next.naive_utc()),
                    notices::leased_until.eq(None::<NaiveDateTime>),
                    notices::last_error.eq(&attempt.error),
                    notices::last_status_code.eq(attempt.status_code),
                    notices::last_latency_ms.eq(Some(attempt.latency_ms)),
                    notices::sent_at.eq((status == NoticeStatus::Sent).then_some(now.naive_utc())),
                ))
                .execute(conn)?;
            if updated == 0 {
                tracing::warn!(notice = %attempt.notice_id, "a notice's lease ran out while it was sent; another dispatcher holds it");
                continue;
            }
            recorded.push(attempt.notice_id);
            let number: i32 = notices::table.find(DbId(id)).select(notices::attempts).first(conn)?;
            let outcome = match attempt.outcome {
                Outcome::Sent => "sent",
                Outcome::Retry(_) => "retry",
                Outcome::Dead => "dead",
            };
            diesel::insert_into(notice_attempts::table)
                .values((
                    notice_attempts::notice_id.eq(DbId(id)),
                    notice_attempts::attempt.eq(number),
                    notice_attempts::at.eq(now.naive_utc()),
                    notice_attempts::outcome.eq(outcome),
                    notice_attempts::status_code.eq(attempt.status_code),
                    notice_attempts::latency_ms.eq(attempt.latency_ms),
                    notice_attempts::error.eq(&attempt.error),
                ))
                .execute(conn)?;
        }
        Ok(recorded)
    })
}

/// Filters of the admin's list.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    pub status: Option<NoticeStatus>,
    pub kind: Option<NoticeKind>,
    pub ticket_id: Option<Uuid>,
    pub subscription_id: Option<Uuid>,
    pub after_id: Option<Uuid>,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, filter: &NoticeFilter) -> Result<Vec<Notice>, StoreError> {
    let mut query = notices::table.select(NoticeRow::as_select()).into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(notices::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(notices::kind.eq(kind.as_str()));
    }
    if let Some(ticket) = filter.ticket_id {
        query = query.filter(notices::ticket_id.eq(DbId(ticket)));
    }
    if let Some(subscription) = filter.subscription_id {
        query = query.filter(notices::subscription_id.eq(DbId(subscription)));
    }
    if let Some(after) = filter.after_id {
        query = query.filter(notices::id.gt(DbId(after)));
    }
    let rows = query.order(notices::id).limit(i64::from(filter.limit)).load(conn)?;
    rows.into_iter().map(Notice::try_from).collect()
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Notice, StoreError> {
    let row: NoticeRow = notices::table.find(DbId(id)).select(NoticeRow::as_select()).first(conn)?;
    row.try_into()
}

/// One recorded attempt.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct AttemptRecord {
    pub attempt: i32,
    #[serde(skip)]
    pub at_naive: NaiveDateTime,
    pub outcome: String,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

pub fn attempts(conn: &mut DbConnection, id: Uuid) -> Result<Vec<AttemptRecord>, StoreError> {
    Ok(notice_attempts::table
        .filter(notice_attempts::notice_id.eq(DbId(id)))
        .order(notice_attempts::attempt)
        .select((
            notice_attempts::attempt,
            notice_attempts::at,
            notice_attempts::outcome,
            notice_attempts::status_code,
            notice_attempts::latency_ms,
            notice_attempts::error,
        ))
        .load(conn)?)
}

/// Queues a notice again at `now`, keeping its id so receivers can tell a
/// repeat: a failed or dead one retried by hand, or (`sent_too`) a webhook
/// delivered again. One a dispatcher holds right now is refused.
pub fn requeue(conn: &mut DbConnection, ctx: &Context, id: Uuid, sent_too: bool) -> Result<Notice, StoreError> {
    let now = ctx.now;
    write_tx(conn, |conn| {
        let notice = find(conn, id)?;
        let leased: Option<NaiveDateTime> = notices::table.find(DbId(id)).select(notices::leased_until).first(conn)?;
        if leased.is_some_and(|until| until.and_utc() > now) {
            return Err(StoreError::Conflict("the notice is being sent right now".to_owned()));
        }
        match notice.status {
            NoticeStatus::Pending => {
                return Err(StoreError::Conflict("the notice is already waiting to be sent".to_owned()))
            }
            NoticeStatus::Sent if !sent_too => {
                return Err(StoreError::Conflict(
                    "the notice was sent; only failed or dead ones are retried".to_owned(),
                ))
            }
            _ => {}
        }
        // Only while no dispatcher holds it (a claim may have committed since the read).
        let free = notices::table
            .find(DbId(id))
            .filter(notices::leased_until.is_null().or(notices::leased_until.le(now.naive_utc())));
        let updated = diesel::update(free)
            .set((
                notices::status.eq(NoticeStatus::Pending.as_str()),
                notices::next_attempt_at.eq(now.naive_utc()),
                notices::leased_until.eq(None::<NaiveDateTime>),
                notices::round_started_at.eq(None::<NaiveDateTime>),
                notices::round_attempts.eq(0),
            ))
            .execute(conn)?;
        if updated == 0 {
            return Err(StoreError::Conflict("the notice is being sent right now".to_owned()));
        }
        let after = find(conn, id)?;
        let entry = Entry::resource(Resource::Notice, ResourceChange::Requeued, id)
            .states(Some(status_snapshot(&notice)), Some(status_snapshot(&after)));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// What the audit keeps of a notice: where it goes and how it stands (not
/// its content, which may be long and is in the outbox).
fn status_snapshot(notice: &Notice) -> serde_json::Value {
    serde_json::json!({
        "kind": notice.kind, "event": notice.event, "recipient": notice.recipient,
        "status": notice.status, "attempts": notice.attempts,
    })
}

/// Counts by status (for `/metrics`).
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(notices::table
        .group_by((notices::kind, notices::status))
        .select((notices::kind, notices::status, diesel::dsl::count_star()))
        .load(conn)?)
}
