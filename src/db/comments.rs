//! Comments on tickets: public ones for the reporter, internal ones for staff.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::ticket_comments;
use super::sql_types::DbId;
use super::{sla, tickets, write_tx, DbConnection, StoreError};
use crate::db::journal::{self, snapshot};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Principal;
use crate::domain::ticket::access::{self, TicketScope};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_kind: String,
    pub author_id: Uuid,
    pub body: String,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_comments)]
struct CommentRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    ticket_id: Uuid,
    author_kind: String,
    #[diesel(serialize_as = DbId)]
    author_id: Uuid,
    body: String,
    internal: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<CommentRow> for Comment {
    type Error = StoreError;

    fn try_from(r: CommentRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            ticket_id: r.ticket_id,
            author_kind: r.author_kind,
            author_id: r.author_id,
            body: r.body,
            internal: r.internal,
            created_at: r.created_at.and_utc(),
        })
    }
}

/// Adds a comment (with its `commented` event and audit record).
pub fn add(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket_id: Uuid,
    body: &str,
    internal: bool,
) -> Result<Comment, StoreError> {
    write_tx(conn, |conn| {
        tickets::lock(conn, ticket_id)?;
        let ticket = tickets::find(conn, &TicketScope::of(principal), ticket_id)?;
        let what = if internal { "internal comments" } else { "comments" };
        tickets::rights::check_comment(principal, &ticket, internal, what)?;
        let row = CommentRow {
            id: Uuid::now_v7(),
            ticket_id,
            author_kind: principal.actor.kind().to_owned(),
            author_id: principal.actor.id(),
            body: body.to_owned(),
            internal,
            created_at: ctx.now.naive_utc(),
        };
        diesel::insert_into(ticket_comments::table).values(row.clone()).execute(conn)?;
        let comment = Comment::try_from(row)?;
        // A public reply from the desk is a response the reporter sees.
        let meets_response = !internal
            && access::works_queue(principal, &ticket.facts())
            && sla::lifecycle::after_public_reply(conn, ctx, &ticket.clocked())?;
        let subject = Subject::TicketPart { ticket_id, entity_type: "comment", id: comment.id };
        let event = Event::CommentAdded { comment_id: comment.id, internal, meets_response };
        journal::record(conn, ctx, Entry::new(subject, event).after(snapshot(&comment)?))?;
        Ok(comment)
    })
}

/// The comments of a ticket the caller sees, oldest first; internal ones
/// only for the ticket's staff.
pub fn list(conn: &mut DbConnection, principal: &Principal, ticket_id: Uuid) -> Result<Vec<Comment>, StoreError> {
    let ticket = tickets::find(conn, &TicketScope::of(principal), ticket_id)?;
    let mut query = ticket_comments::table
        .filter(ticket_comments::ticket_id.eq(DbId(ticket_id)))
        .select(CommentRow::as_select())
        .into_boxed();
    if !access::is_staff(principal, &ticket.facts()) {
        query = query.filter(ticket_comments::internal.eq(false));
    }
    query.order(ticket_comments::id.asc()).load::<CommentRow>(conn)?.into_iter().map(Comment::try_from).collect()
}

/// Finds one comment of a ticket the caller sees (internal ones for staff).
pub fn find(
    conn: &mut DbConnection,
    principal: &Principal,
    ticket_id: Uuid,
    comment_id: Uuid,
) -> Result<Comment, StoreError> {
    list(conn, principal, ticket_id)?.into_iter().find(|c| c.id == comment_id).ok_or(StoreError::NotFound)
}
