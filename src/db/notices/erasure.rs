//! Erasing a person's values from the outbox (UU 27/2022): the mails and
//! deliveries of a ticket keep their rows, with each value replaced in
//! their address, name, subject, bodies and recorded errors, and a mail
//! still waiting for an erased address is not sent.

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{notice_attempts, notices};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::privacy::redact;

type NoticeTexts = (Uuid, String, Option<String>, Option<String>, String, Option<String>, String);

/// Replaces `values` in the notices of `ticket`; returns how many changed.
pub fn erase_values(conn: &mut DbConnection, ticket: Uuid, values: &[String]) -> Result<usize, StoreError> {
    let rows: Vec<NoticeTexts> = notices::table
        .filter(notices::ticket_id.eq(DbId(ticket)))
        .select((
            notices::id,
            notices::recipient,
            notices::recipient_name,
            notices::subject,
            notices::body_text,
            notices::body_html,
            notices::status,
        ))
        .load(conn)?;
    let mut changed = 0;
    for (id, recipient, name, subject, body_text, body_html, status) in rows {
        let new_recipient = redact(&recipient, values);
        let new_name = name.as_deref().and_then(|n| redact(n, values));
        let new_subject = subject.as_deref().and_then(|s| redact(s, values));
        let new_text = redact(&body_text, values);
        let new_html = body_html.as_deref().and_then(|h| redact(h, values));
        let errors = erase_attempt_errors(conn, id, values)?;
        if new_recipient.is_none()
            && new_name.is_none()
            && new_subject.is_none()
            && new_text.is_none()
            && new_html.is_none()
        {
            changed += usize::from(errors > 0);
            continue;
        }
        let waiting = matches!(status.as_str(), "pending" | "failed");
        // A mail not yet sent to an erased address has nowhere to go.
        let status = if waiting && new_recipient.is_some() { "dead".to_owned() } else { status };
        diesel::update(notices::table.find(DbId(id)))
            .set((
                notices::recipient.eq(new_recipient.unwrap_or(recipient)),
                notices::recipient_name.eq(new_name.or(name)),
                notices::subject.eq(new_subject.or(subject)),
                notices::body_text.eq(new_text.unwrap_or(body_text)),
                notices::body_html.eq(new_html.or(body_html)),
                notices::status.eq(status),
                notices::leased_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        changed += 1;
    }
    Ok(changed)
}

/// Replaces `values` in the errors recorded for a notice's attempts (a
/// mail server's refusal names the address).
fn erase_attempt_errors(conn: &mut DbConnection, notice: Uuid, values: &[String]) -> Result<usize, StoreError> {
    let mut changed = 0;
    let last: Option<Option<String>> =
        notices::table.find(DbId(notice)).select(notices::last_error).first(conn).optional()?;
    if let Some(new) = last.flatten().and_then(|e| redact(&e, values)) {
        diesel::update(notices::table.find(DbId(notice))).set(notices::last_error.eq(new)).execute(conn)?;
        changed += 1;
    }
    let attempts: Vec<(i32, Option<String>)> = notice_attempts::table
        .filter(notice_attempts::notice_id.eq(DbId(notice)))
        .select((notice_attempts::attempt, notice_attempts::error))
        .load(conn)?;
    for (attempt, error) in attempts {
        if let Some(new) = error.and_then(|e| redact(&e, values)) {
            diesel::update(notice_attempts::table.find((DbId(notice), attempt)))
                .set(notice_attempts::error.eq(new))
                .execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}
