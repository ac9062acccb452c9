//! Knowledge from tickets: the published articles that solved a ticket
//! (each link keeps the version used) and the draft a ticket proposes,
//! written in the ticket's transaction with entries on both journals.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::write::{insert_draft, NewArticle};
use super::{find, Article};
use crate::db::journal;
use crate::db::schema::{knowledge_articles, knowledge_links};
use crate::db::sql_types::DbId;
use crate::db::tickets::{self, remember_key, replayed_id, IdempotencyKey, Ticket, TransitionRequest};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::knowledge::access::{may, ArticleVisibility, KnowledgeAction, Publishers};
use crate::domain::knowledge::from_ticket::{may_link, propose, TicketText};
use crate::domain::knowledge::workflow::ArticleChange;
use crate::domain::knowledge::{ArticleKind, ArticleStatus};
use crate::domain::policy::Principal;
use crate::domain::ticket::access::TicketScope;
use crate::domain::ticket::TicketType;
use crate::domain::validation::ValidationErrors;

/// What a ticket gives the knowledge base in one call: the articles it
/// used, and whether it proposes a new draft.
#[derive(Debug, Clone, Default)]
pub struct TicketKnowledge {
    pub link: Vec<Uuid>,
    pub propose_draft: bool,
}

/// One article that solved a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketLink {
    pub ticket_id: Uuid,
    pub article_id: Uuid,
    pub article_version: i32,
    pub title: String,
    pub linked_by: Uuid,
    pub linked_at: DateTime<Utc>,
}

fn refused(field: String, message: &str) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(&field, message))
}

/// Links and proposes what `knowledge` asks, on `ticket`, in the caller's
/// transaction; the draft proposed, if any.
pub fn give(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket: &Ticket,
    knowledge: &TicketKnowledge,
    publishers: Publishers,
) -> Result<Option<Article>, StoreError> {
    if !may_link(principal, &ticket.facts()) {
        return Err(StoreError::Forbidden("articles are linked by a person of the desk that works the ticket".into()));
    }
    for (i, article_id) in knowledge.link.iter().enumerate() {
        if !knowledge.link[..i].contains(article_id) {
            link_one(conn, ctx, principal, ticket, *article_id, format!("knowledge.link[{i}].article_id"))?;
        }
    }
    if !knowledge.propose_draft {
        return Ok(None);
    }
    if !may(principal, KnowledgeAction::Write, None, publishers) {
        return Err(StoreError::Forbidden("your roles do not allow writing articles".into()));
    }
    propose_draft(conn, ctx, principal, ticket, ArticleKind::Solution).map(Some)
}

/// Links one published article the caller reads; a link made before stays
/// as it was (linking is idempotent).
fn link_one(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket: &Ticket,
    article_id: Uuid,
    field: String,
) -> Result<(), StoreError> {
    let article = match find(conn, &ArticleVisibility::of(principal), article_id) {
        Err(StoreError::NotFound) => return Err(refused(field, "no such article that you may read")),
        found => found?,
    };
    if article.status != ArticleStatus::Published {
        return Err(refused(field, "only a published article is linked"));
    }
    let key = knowledge_links::table.find((DbId(ticket.id), DbId(article_id)));
    if diesel::select(diesel::dsl::exists(key)).get_result::<bool>(conn)? {
        return Ok(());
    }
    let (version, by) = (article.published_version, principal.actor.id());
    diesel::insert_into(knowledge_links::table)
        .values((
            knowledge_links::ticket_id.eq(DbId(ticket.id)),
            knowledge_links::article_id.eq(DbId(article_id)),
            knowledge_links::article_version.eq(version),
            knowledge_links::unit_id.eq(DbId(ticket.unit_id)),
            knowledge_links::service_id.eq(DbId(ticket.service_id)),
            knowledge_links::linked_by.eq(DbId(by)),
            knowledge_links::linked_at.eq(ctx.now.naive_utc()),
        ))
        .execute(conn)?;
    let on_ticket = Event::KnowledgeLinked { article_id, article_version: version };
    journal::record(conn, ctx, Entry::new(Subject::Ticket(ticket.id), on_ticket))?;
    let detail =
        serde_json::json!({ "ticket_id": ticket.id, "ticket_number": ticket.number, "article_version": version });
    let on_article =
        Event::Article { change: ArticleChange::Linked, from: Some(article.status), to: article.status, detail };
    journal::record(conn, ctx, Entry::new(Subject::Article(article_id), on_article))
}

/// Writes the draft `ticket` proposes, owned by the caller's unit (a
/// Perangkat Daerah writes for itself), about the ticket's service.
pub fn propose_draft(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket: &Ticket,
    kind: ArticleKind,
) -> Result<Article, StoreError> {
    let text = TicketText {
        subject: &ticket.title,
        description: &ticket.description,
        cause: None,
        resolution: ticket.resolution.as_deref(),
    };
    let draft = propose(&text, kind);
    let new = NewArticle {
        service_id: ticket.service_id,
        owner_unit_id: principal.unit_id,
        kind: draft.kind,
        audience: draft.audience,
        title: draft.title,
        body: draft.body,
        keywords: Vec::new(),
    };
    let from = serde_json::json!({ "ticket_id": ticket.id, "ticket_number": ticket.number });
    let article = insert_draft(conn, ctx, principal.actor.id(), &new, from)?;
    let event = Event::KnowledgeProposed { article_id: article.id, kind };
    journal::record(conn, ctx, Entry::new(Subject::Ticket(ticket.id), event))?;
    Ok(article)
}

/// How many tickets each of `articles` solved.
pub fn counts(conn: &mut DbConnection, articles: &[Uuid]) -> Result<HashMap<Uuid, i64>, StoreError> {
    let ids: Vec<DbId> = articles.iter().copied().map(DbId).collect();
    let rows: Vec<(Uuid, i64)> = knowledge_links::table
        .filter(knowledge_links::article_id.eq_any(ids))
        .group_by(knowledge_links::article_id)
        .select((knowledge_links::article_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

type LinkRow = (Uuid, Uuid, i32, String, Uuid, NaiveDateTime);

/// The articles that solved a ticket, those the caller reads only (a
/// link never shows the title of an article the caller may not read).
pub fn of_ticket(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    ticket_id: Uuid,
) -> Result<Vec<TicketLink>, StoreError> {
    use knowledge_links as l;
    let rows: Vec<LinkRow> = l::table
        .inner_join(knowledge_articles::table)
        .filter(l::ticket_id.eq(DbId(ticket_id)))
        .select((
            l::ticket_id,
            l::article_id,
            l::article_version,
            knowledge_articles::title,
            l::linked_by,
            l::linked_at,
        ))
        .order((l::linked_at.asc(), l::article_id.asc()))
        .load(conn)?;
    let ids: Vec<DbId> = rows.iter().map(|r| DbId(r.1)).collect();
    let mut readable = knowledge_articles::table.filter(knowledge_articles::id.eq_any(ids)).into_boxed();
    if let Some(condition) = super::visible_condition(visibility) {
        readable = readable.filter(condition);
    }
    let readable: Vec<Uuid> = readable.select(knowledge_articles::id).load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|row| readable.contains(&row.1))
        .map(|(ticket_id, article_id, article_version, title, linked_by, linked_at)| TicketLink {
            ticket_id,
            article_id,
            article_version,
            title,
            linked_by,
            linked_at: linked_at.and_utc(),
        })
        .collect())
}

/// Resolves a ticket and gives the knowledge base what the resolution
/// carries, in one transaction: a refused link undoes the resolution.
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    id: Uuid,
    request: &TransitionRequest,
    reopen_window: Duration,
    knowledge: &TicketKnowledge,
    publishers: Publishers,
) -> Result<(Ticket, Option<Article>), StoreError> {
    write_tx(conn, |conn| {
        let ticket = tickets::transition(conn, ctx, principal, id, request, reopen_window)?;
        let draft = give(conn, ctx, principal, &ticket, knowledge, publishers)?;
        Ok((tickets::find_any(conn, id)?, draft))
    })
}

/// Links articles to a ticket the caller sees (after its resolution, say).
pub fn link(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket_id: Uuid,
    articles: &[Uuid],
) -> Result<Vec<TicketLink>, StoreError> {
    write_tx(conn, |conn| {
        tickets::lock(conn, ticket_id)?;
        let ticket = tickets::find(conn, &TicketScope::of(principal), ticket_id)?;
        let knowledge = TicketKnowledge { link: articles.to_vec(), propose_draft: false };
        give(conn, ctx, principal, &ticket, &knowledge, Publishers::Dinas)?;
        of_ticket(conn, &ArticleVisibility::of(principal), ticket_id)
    })
}

/// Turns a problem's known error into a draft article of kind
/// `known_error` (422 for a ticket that is not a problem).
pub fn known_error(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    ticket_id: Uuid,
    publishers: Publishers,
    key: Option<&IdempotencyKey>,
) -> Result<Article, StoreError> {
    write_tx(conn, |conn| {
        if let Some(id) = key.map(|k| replayed_id(conn, k)).transpose()?.flatten() {
            return super::find_any(conn, id);
        }
        tickets::lock(conn, ticket_id)?;
        let ticket = tickets::find(conn, &TicketScope::of(principal), ticket_id)?;
        if !may_link(principal, &ticket.facts()) || !may(principal, KnowledgeAction::Write, None, publishers) {
            return Err(StoreError::Forbidden(
                "a known error is written up by a person of the desk that works the problem".into(),
            ));
        }
        if ticket.ticket_type != TicketType::Problem {
            return Err(refused("ticket".into(), "only a problem has a known error"));
        }
        let article = propose_draft(conn, ctx, principal, &ticket, ArticleKind::KnownError)?;
        if let Some(key) = key {
            remember_key(conn, key, article.id, ctx.now.naive_utc())?;
        }
        Ok(article)
    })
}
