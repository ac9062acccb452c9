//! Writing articles: a new draft, an edit of a draft, and the moves of the
//! lifecycle (a publish makes the next version), each with its search
//! terms and its journal entry in one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::postings::{refresh_reach, reindex};
use super::{facts, find, find_any, Article};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{knowledge_articles, knowledge_reviews, knowledge_versions, services, units};
use crate::db::sql_types::DbId;
use crate::db::tickets::{remember_key, replayed_id, IdempotencyKey};
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::knowledge::access::{
    is_person, may, may_place, right_of, ArticleVisibility, KnowledgeAction, Publishers,
};
use crate::domain::knowledge::article::keywords_to_stored;
use crate::domain::knowledge::workflow::{editable, review_due_at, ArticleChange};
use crate::domain::knowledge::{ArticleAudience, ArticleKind, ArticleMove, ArticleStatus};
use crate::domain::policy::Principal;
use crate::domain::validation::ValidationErrors;
use crate::domain::version::Precondition;

/// A checked new article.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub service_id: Uuid,
    pub owner_unit_id: Uuid,
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub title: String,
    pub body: String,
    pub keywords: Vec<String>,
}

/// A checked edit of a draft: the fields given.
#[derive(Debug, Clone, Default)]
pub struct ArticleEdit {
    pub service_id: Option<Uuid>,
    pub kind: Option<ArticleKind>,
    pub audience: Option<ArticleAudience>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub keywords: Option<Vec<String>>,
}

/// Who acts on which article, under which rules.
pub struct ArticleRequest {
    pub principal: Principal,
    pub article_id: Uuid,
    pub precondition: Precondition,
    pub publishers: Publishers,
    pub review_period_days: u32,
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, message))
}

fn check_service(conn: &mut DbConnection, id: Uuid) -> Result<(), StoreError> {
    let active: Option<bool> = services::table.find(DbId(id)).select(services::active).first(conn).optional()?;
    match active {
        Some(true) => Ok(()),
        Some(false) => Err(invalid("service_id", "the service is inactive")),
        None => Err(invalid("service_id", "no such service")),
    }
}

fn check_unit(conn: &mut DbConnection, id: Uuid) -> Result<(), StoreError> {
    let active: Option<bool> = units::table.find(DbId(id)).select(units::active).first(conn).optional()?;
    if active != Some(true) {
        return Err(invalid("owner_unit_id", "no such active unit"));
    }
    Ok(())
}

/// Writes a new draft by `author`, or returns the one an earlier request
/// with the same idempotency key wrote.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    author: Uuid,
    new: &NewArticle,
    key: Option<&IdempotencyKey>,
) -> Result<Article, StoreError> {
    write_tx(conn, |conn| {
        if let Some(id) = key.map(|k| replayed_id(conn, k)).transpose()?.flatten() {
            return find_any(conn, id);
        }
        let article = insert_draft(conn, ctx, author, new, serde_json::json!({}))?;
        if let Some(key) = key {
            remember_key(conn, key, article.id, ctx.now.naive_utc())?;
        }
        Ok(article)
    })
}

/// Inserts a draft with its terms and its journal entry, in the caller's
/// transaction; `detail`: where it came from (a ticket, say).
pub(crate) fn insert_draft(
    conn: &mut DbConnection,
    ctx: &Context,
    author: Uuid,
    new: &NewArticle,
    detail: serde_json::Value,
) -> Result<Article, StoreError> {
    check_service(conn, new.service_id)?;
    check_unit(conn, new.owner_unit_id)?;
    let (id, at) = (Uuid::now_v7(), ctx.now.naive_utc());
    diesel::insert_into(knowledge_articles::table)
        .values((
            knowledge_articles::id.eq(DbId(id)),
            knowledge_articles::service_id.eq(DbId(new.service_id)),
            knowledge_articles::owner_unit_id.eq(DbId(new.owner_unit_id)),
            knowledge_articles::author_id.eq(DbId(author)),
            knowledge_articles::kind.eq(new.kind.as_str()),
            knowledge_articles::audience.eq(new.audience.as_str()),
            knowledge_articles::status.eq(ArticleStatus::Draft.as_str()),
            knowledge_articles::title.eq(&new.title),
            knowledge_articles::body.eq(&new.body),
            knowledge_articles::keywords.eq(keywords_to_stored(&new.keywords)),
            knowledge_articles::term_count.eq(0),
            knowledge_articles::published_version.eq(0),
            knowledge_articles::version.eq(1_i64),
            knowledge_articles::created_at.eq(at),
            knowledge_articles::updated_at.eq(at),
        ))
        .execute(conn)?;
    let article = find_any(conn, id)?;
    reindex(conn, &article, true)?;
    let event = Event::Article { change: ArticleChange::Created, from: None, to: ArticleStatus::Draft, detail };
    journal::record(conn, ctx, Entry::new(Subject::Article(id), event).after(snapshot(&article)?))?;
    Ok(article)
}

/// Reads the article for `action` and checks the caller may do it (403
/// for a service account's key, before anything is read; 404
/// when they may not read it, 403 without the right).
pub fn admit(
    conn: &mut DbConnection,
    principal: &Principal,
    article_id: Uuid,
    action: KnowledgeAction,
    publishers: Publishers,
) -> Result<Article, StoreError> {
    if !is_person(principal) {
        return Err(StoreError::Forbidden(
            "Articles are written and reviewed by people, not by service accounts.".into(),
        ));
    }
    let article = find(conn, &ArticleVisibility::of(principal), article_id)?;
    if !may(principal, action, Some(&facts(conn, &article)?), publishers) {
        return Err(StoreError::Forbidden("Your roles do not allow this on this article.".into()));
    }
    Ok(article)
}

/// Edits a draft.
pub fn edit(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &ArticleRequest,
    edit: &ArticleEdit,
) -> Result<Article, StoreError> {
    write_tx(conn, |conn| {
        let p = &request.principal;
        let before = admit(conn, p, request.article_id, KnowledgeAction::Edit, request.publishers)?;
        if !editable(before.status) {
            return Err(StoreError::Conflict(format!(
                "an article that is {} is not edited; revise it into a draft first",
                before.status
            )));
        }
        let audience = edit.audience.unwrap_or(before.audience);
        may_place(p, audience, before.owner_unit_id).map_err(|e| invalid("audience", e))?;
        if let Some(service) = edit.service_id {
            check_service(conn, service)?;
        }
        let guard = versioned::check(Versioned::Article, before.id, before.version, &request.precondition)?;
        guard.bump(conn, ctx.now)?;
        // After the bump: its row lock orders this against a file's removal.
        if let Some(body) = &edit.body {
            super::check_body_files(conn, before.id, body)?;
        }
        let k = knowledge_articles::table.find(DbId(before.id));
        diesel::update(k)
            .set((
                knowledge_articles::service_id.eq(DbId(edit.service_id.unwrap_or(before.service_id))),
                knowledge_articles::kind.eq(edit.kind.unwrap_or(before.kind).as_str()),
                knowledge_articles::audience.eq(audience.as_str()),
                knowledge_articles::title.eq(edit.title.as_ref().unwrap_or(&before.title)),
                knowledge_articles::body.eq(edit.body.as_ref().unwrap_or(&before.body)),
                knowledge_articles::keywords.eq(keywords_to_stored(edit.keywords.as_ref().unwrap_or(&before.keywords))),
            ))
            .execute(conn)?;
        let after = find_any(conn, before.id)?;
        reindex(conn, &after, false)?;
        let event = Event::Article {
            change: ArticleChange::Updated,
            from: Some(before.status),
            to: after.status,
            detail: serde_json::json!({}),
        };
        let entry =
            Entry::new(Subject::Article(after.id), event).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Makes one move of the lifecycle; a publish makes the next version and
/// sets the review date. `reason`: why a reviewer returned the draft.
pub fn move_article(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &ArticleRequest,
    article_move: ArticleMove,
    reason: Option<&str>,
) -> Result<Article, StoreError> {
    write_tx(conn, |conn| {
        let p = &request.principal;
        let before = admit(conn, p, request.article_id, right_of(article_move), request.publishers)?;
        let to = article_move.apply(before.status).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let guard = versioned::check(Versioned::Article, before.id, before.version, &request.precondition)?;
        guard.bump(conn, ctx.now)?;
        let k = knowledge_articles::table.find(DbId(before.id));
        diesel::update(k).set(knowledge_articles::status.eq(to.as_str())).execute(conn)?;
        let mut detail = serde_json::json!({});
        if article_move == ArticleMove::Publish {
            let number = before.published_version + 1;
            publish(conn, ctx, &before, number, request.review_period_days)?;
            detail = serde_json::json!({ "published_version": number });
        }
        if let Some(reason) = reason {
            detail = serde_json::json!({ "reason": reason });
        }
        let after = find_any(conn, before.id)?;
        refresh_reach(conn, &after)?;
        let event =
            Event::Article { change: ArticleChange::Moved(article_move), from: Some(before.status), to, detail };
        let entry =
            Entry::new(Subject::Article(after.id), event).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Keeps what readers now read as version `number`, and dates the review.
fn publish(
    conn: &mut DbConnection,
    ctx: &Context,
    article: &Article,
    number: i32,
    review_period_days: u32,
) -> Result<(), StoreError> {
    let publisher = ctx.actor.map(|a| a.id()).ok_or_else(|| StoreError::Forbidden("people publish".into()))?;
    let at = ctx.now;
    diesel::insert_into(knowledge_versions::table)
        .values((
            knowledge_versions::article_id.eq(DbId(article.id)),
            knowledge_versions::number.eq(number),
            knowledge_versions::title.eq(&article.title),
            knowledge_versions::body.eq(&article.body),
            knowledge_versions::kind.eq(article.kind.as_str()),
            knowledge_versions::audience.eq(article.audience.as_str()),
            knowledge_versions::keywords.eq(keywords_to_stored(&article.keywords)),
            knowledge_versions::published_by.eq(DbId(publisher)),
            knowledge_versions::published_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    // A republish is a review too: it met the review date standing.
    if number > 1 {
        record_review(conn, article.id, article.review_due_at, at, publisher)?;
    }
    diesel::update(knowledge_articles::table.find(DbId(article.id)))
        .set((
            knowledge_articles::published_version.eq(number),
            knowledge_articles::published_at.eq(Some(at.naive_utc())),
            knowledge_articles::review_due_at.eq(Some(review_due_at(at, review_period_days).naive_utc())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keeps that `by` reviewed the article at `at`, meeting the review date `due`.
pub(crate) fn record_review(
    conn: &mut DbConnection,
    article_id: Uuid,
    due: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    by: Uuid,
) -> Result<(), StoreError> {
    diesel::insert_into(knowledge_reviews::table)
        .values((
            knowledge_reviews::id.eq(DbId(Uuid::now_v7())),
            knowledge_reviews::article_id.eq(DbId(article_id)),
            knowledge_reviews::due_at.eq(due.map(|d| d.naive_utc())),
            knowledge_reviews::reviewed_at.eq(at.naive_utc()),
            knowledge_reviews::reviewed_by.eq(DbId(by)),
        ))
        .execute(conn)?;
    Ok(())
}
