//! `privacy export`: what the desk holds on a person, for their access
//! request (UU 27/2022): the tickets reported on their behalf with their
//! contact, the values committed to and the entries that commit to them or
//! hold them, their account and comments if they have one, and the mails
//! sent to them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::{entries_of, tickets_of};
use crate::db::schema::{notices, personal_data, ticket_comments, tickets, users};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::email::EmailAddress;

/// The format named in an export.
pub const FORMAT: &str = "spbe-desk/subject-access/v1";

/// Everything held on one person.
#[derive(Debug, Serialize)]
pub struct SubjectRecord {
    pub format: &'static str,
    pub email: String,
    pub generated_at: DateTime<Utc>,
    pub tickets_reported_on_behalf: Vec<ReportedTicket>,
    pub account: Option<Account>,
    pub mails: Vec<Mail>,
}

/// A ticket reported on the person's behalf.
#[derive(Debug, Serialize)]
pub struct ReportedTicket {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    /// The values its audit entries commit to: with the salt, anyone can
    /// check a value against the commitment (`docs/audit.md`).
    pub committed_values: Vec<CommittedValue>,
    /// Its audit entries that commit to a value or hold one in the clear.
    pub audit_entries: Vec<EntryHolding>,
}

#[derive(Debug, Serialize)]
pub struct CommittedValue {
    pub field: String,
    /// SHA-256, hexadecimal.
    pub commitment: String,
    pub value: Option<String>,
    /// The 32-byte salt, hexadecimal.
    pub salt: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct EntryHolding {
    pub position: Option<i64>,
    pub action: String,
    pub occurred_at: DateTime<Utc>,
    /// Commitments it holds (values kept apart).
    pub commitments: Vec<String>,
    /// It holds a value itself (written before commitments).
    pub in_the_clear: bool,
}

/// The person's own account, if the address is a user's.
#[derive(Debug, Serialize)]
pub struct Account {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub tickets_reported: Vec<String>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Serialize)]
pub struct Comment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub body: String,
}

/// A mail the outbox holds for the address.
#[derive(Debug, Serialize)]
pub struct Mail {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub event: String,
    pub subject: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// What the desk holds on the person reached at `email`, as of `now`.
pub fn subject_record(
    conn: &mut DbConnection,
    email: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<SubjectRecord, StoreError> {
    crate::db::journal::in_snapshot(conn, |conn| {
        let mut reported = Vec::new();
        for id in tickets_of(conn, email)? {
            reported.push(reported_ticket(conn, id)?);
        }
        Ok(SubjectRecord {
            format: FORMAT,
            email: email.as_str().to_owned(),
            generated_at: now,
            tickets_reported_on_behalf: reported,
            account: account(conn, email)?,
            mails: mails(conn, email)?,
        })
    })
}

fn reported_ticket(conn: &mut DbConnection, id: Uuid) -> Result<ReportedTicket, StoreError> {
    type Row = (String, String, String, NaiveDateTime, Option<String>, Option<String>, Option<String>);
    let (number, title, status, created_at, reporter_name, reporter_email, reporter_phone): Row = tickets::table
        .find(DbId(id))
        .select((
            tickets::number,
            tickets::title,
            tickets::status,
            tickets::created_at,
            tickets::reporter_name,
            tickets::reporter_email,
            tickets::reporter_phone,
        ))
        .first(conn)?;
    type Committed = (String, String, Option<String>, Option<Vec<u8>>, Option<NaiveDateTime>);
    let committed: Vec<Committed> = personal_data::table
        .filter(personal_data::subject_id.eq(DbId(id)))
        .order((personal_data::created_at.asc(), personal_data::field.asc()))
        .select((
            personal_data::field,
            personal_data::commitment,
            personal_data::value,
            personal_data::salt,
            personal_data::erased_at,
        ))
        .load(conn)?;
    let audit_entries = entries_of(conn, id)?
        .into_iter()
        .filter_map(|entry| {
            let (commitments, in_the_clear) = (entry.commitments(), entry.holds_in_the_clear());
            (in_the_clear || !commitments.is_empty()).then(|| EntryHolding {
                position: entry.position,
                action: entry.action,
                occurred_at: entry.occurred_at.and_utc(),
                commitments,
                in_the_clear,
            })
        })
        .collect();
    Ok(ReportedTicket {
        id,
        number,
        title,
        status,
        created_at: created_at.and_utc(),
        reporter_name,
        reporter_email,
        reporter_phone,
        committed_values: committed
            .into_iter()
            .map(|(field, commitment, value, salt, erased_at)| CommittedValue {
                field,
                commitment,
                value,
                salt: salt.map(hex::encode),
                erased_at: erased_at.map(|at| at.and_utc()),
            })
            .collect(),
        audit_entries,
    })
}

fn account(conn: &mut DbConnection, email: &EmailAddress) -> Result<Option<Account>, StoreError> {
    let found: Option<(Uuid, String, String, bool, NaiveDateTime)> = users::table
        .filter(users::email.eq(email.as_str()))
        .select((users::id, users::name, users::email, users::active, users::created_at))
        .first(conn)
        .optional()?;
    let Some((user_id, name, email, active, created_at)) = found else { return Ok(None) };
    let tickets_reported: Vec<String> = tickets::table
        .filter(tickets::reporter_id.eq(DbId(user_id)))
        .order(tickets::created_at.asc())
        .select(tickets::number)
        .load(conn)?;
    let comments: Vec<(Uuid, Uuid, NaiveDateTime, String)> = ticket_comments::table
        .filter(ticket_comments::author_id.eq(DbId(user_id)))
        .order(ticket_comments::created_at.asc())
        .select((ticket_comments::id, ticket_comments::ticket_id, ticket_comments::created_at, ticket_comments::body))
        .load(conn)?;
    let comments = comments
        .into_iter()
        .map(|(id, ticket_id, at, body)| Comment { id, ticket_id, created_at: at.and_utc(), body })
        .collect();
    Ok(Some(Account { user_id, name, email, active, created_at: created_at.and_utc(), tickets_reported, comments }))
}

fn mails(conn: &mut DbConnection, email: &EmailAddress) -> Result<Vec<Mail>, StoreError> {
    type Row = (Uuid, Option<Uuid>, String, Option<String>, String, NaiveDateTime, Option<NaiveDateTime>);
    let rows: Vec<Row> = notices::table
        .filter(notices::kind.eq("mail"))
        .filter(notices::recipient.eq(email.as_str()))
        .order(notices::created_at.asc())
        .select((
            notices::id,
            notices::ticket_id,
            notices::event,
            notices::subject,
            notices::status,
            notices::created_at,
            notices::sent_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, ticket_id, event, subject, status, created_at, sent_at)| Mail {
            id,
            ticket_id,
            event,
            subject,
            status,
            created_at: created_at.and_utc(),
            sent_at: sent_at.map(|at| at.and_utc()),
        })
        .collect())
}
