//! Attachment records (the bytes live in the data folder; see `api`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::attachments;
use super::sql_types::{DbId, OptionalDbId};
use super::{comments, tickets, write_tx, DbConnection, StoreError};
use crate::db::journal::{self, snapshot};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Principal;
use crate::domain::ticket::access::TicketScope;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by_kind: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
struct AttachmentRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    ticket_id: Uuid,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    comment_id: Option<Uuid>,
    filename: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_by_kind: String,
    #[diesel(serialize_as = DbId)]
    uploaded_by: Uuid,
    created_at: NaiveDateTime,
}

impl TryFrom<AttachmentRow> for Attachment {
    type Error = StoreError;

    fn try_from(r: AttachmentRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            ticket_id: r.ticket_id,
            comment_id: r.comment_id,
            filename: r.filename,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by_kind: r.uploaded_by_kind,
            uploaded_by: r.uploaded_by,
            created_at: r.created_at.and_utc(),
        })
    }
}

/// A stored file to record against a ticket (or one of its comments).
pub struct NewAttachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Checks the caller may attach to the ticket (or comment); returns whether
/// the attachment is internal. Called before the bytes are stored, and
/// again inside the recording transaction.
pub fn check_may_attach(
    conn: &mut DbConnection,
    principal: &Principal,
    ticket_id: Uuid,
    comment_id: Option<Uuid>,
) -> Result<bool, StoreError> {
    let ticket = tickets::find(conn, &TicketScope::of(principal), ticket_id)?;
    let internal = match comment_id {
        Some(comment_id) => comments::find(conn, principal, ticket_id, comment_id)?.internal,
        None => false,
    };
    tickets::rights::check_comment(principal, &ticket, internal, "attaching files")?;
    Ok(internal)
}

/// Records an attachment; an attachment on an internal comment is itself
/// internal (its event is hidden from reporters like the comment).
pub fn add(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    new: NewAttachment,
) -> Result<Attachment, StoreError> {
    write_tx(conn, |conn| {
        tickets::lock(conn, new.ticket_id)?;
        let internal = check_may_attach(conn, principal, new.ticket_id, new.comment_id)?;
        let row = AttachmentRow {
            id: new.id,
            ticket_id: new.ticket_id,
            comment_id: new.comment_id,
            filename: new.filename,
            content_type: new.content_type,
            size_bytes: new.size_bytes,
            sha256: new.sha256,
            uploaded_by_kind: principal.actor.kind().to_owned(),
            uploaded_by: principal.actor.id(),
            created_at: ctx.now.naive_utc(),
        };
        diesel::insert_into(attachments::table).values(row.clone()).execute(conn)?;
        let attachment = Attachment::try_from(row)?;
        let subject = Subject::TicketPart { ticket_id: new.ticket_id, entity_type: "attachment", id: attachment.id };
        let event = Event::AttachmentAdded {
            attachment_id: attachment.id,
            filename: attachment.filename.clone(),
            comment_id: attachment.comment_id,
            internal,
        };
        journal::record(conn, ctx, Entry::new(subject, event).after(snapshot(&attachment)?))?;
        Ok(attachment)
    })
}

/// The attachments of a ticket the caller sees; those on internal comments
/// only for the ticket's staff.
pub fn list(conn: &mut DbConnection, principal: &Principal, ticket_id: Uuid) -> Result<Vec<Attachment>, StoreError> {
    let visible_comments: Vec<Uuid> = comments::list(conn, principal, ticket_id)?.into_iter().map(|c| c.id).collect();
    let rows = attachments::table
        .filter(attachments::ticket_id.eq(DbId(ticket_id)))
        .select(AttachmentRow::as_select())
        .order(attachments::id.asc())
        .load::<AttachmentRow>(conn)?;
    rows.into_iter()
        .map(Attachment::try_from)
        .filter(|a| a.as_ref().map_or(true, |a| a.comment_id.is_none_or(|c| visible_comments.contains(&c))))
        .collect()
}

/// One attachment the caller may download.
pub fn find(
    conn: &mut DbConnection,
    principal: &Principal,
    ticket_id: Uuid,
    id: Uuid,
) -> Result<Attachment, StoreError> {
    list(conn, principal, ticket_id)?.into_iter().find(|a| a.id == id).ok_or(StoreError::NotFound)
}
