//! Ratings and flags of published articles, each with its entry in the
//! article's journal. A reader's second rating of the same version
//! replaces the first; a flag stays until one of the article's owners
//! closes it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::{facts, find, find_any, Article};
use crate::db::journal;
use crate::db::schema::{knowledge_flags, knowledge_ratings};
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::tickets::{remember_key, replayed_id, IdempotencyKey};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::knowledge::access::{is_person, ArticleVisibility, Publishers};
use crate::domain::knowledge::feedback::{owns, takes_feedback};
use crate::domain::knowledge::workflow::ArticleChange;
use crate::domain::policy::Principal;

/// A reader's rating of one published version.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = knowledge_ratings)]
pub struct RatingRow {
    pub id: Uuid,
    pub article_id: Uuid,
    pub article_version: i32,
    pub helpful: bool,
    pub comment: Option<String>,
    pub rated_by: Uuid,
    pub rated_at: NaiveDateTime,
}

/// A reader's word that an article is wrong.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = knowledge_flags)]
pub struct FlagRow {
    pub id: Uuid,
    pub article_id: Uuid,
    pub article_version: i32,
    pub reason: String,
    pub flagged_by: Uuid,
    pub flagged_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<Uuid>,
}

/// Reads the published article a person rates or flags: 403 for a
/// service account, 404 when they may not read it, 409 when it is not
/// published.
pub fn admit_reader(conn: &mut DbConnection, principal: &Principal, article_id: Uuid) -> Result<Article, StoreError> {
    if !is_person(principal) {
        return Err(StoreError::Forbidden("Articles are rated and flagged by people.".into()));
    }
    let article = find(conn, &ArticleVisibility::of(principal), article_id)?;
    if !takes_feedback(article.status) {
        return Err(StoreError::Conflict(format!("an article that is {} is not rated or flagged", article.status)));
    }
    Ok(article)
}

/// Reads the article whose flags an owner handles (403 for a service
/// account, 404 when they may not read it, 403 when it is not theirs).
pub fn admit_owner(
    conn: &mut DbConnection,
    principal: &Principal,
    article_id: Uuid,
    publishers: Publishers,
) -> Result<Article, StoreError> {
    if !is_person(principal) {
        return Err(StoreError::Forbidden("Flags are handled by people, not by service accounts.".into()));
    }
    let article = find(conn, &ArticleVisibility::of(principal), article_id)?;
    if !owns(principal, &facts(conn, &article)?, publishers) {
        return Err(StoreError::Forbidden("Flags are read and closed by the article's owners.".into()));
    }
    Ok(article)
}

fn record(
    conn: &mut DbConnection,
    ctx: &Context,
    article: &Article,
    change: ArticleChange,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    let event = Event::Article { change, from: Some(article.status), to: article.status, detail };
    journal::record(conn, ctx, Entry::new(Subject::Article(article.id), event))
}

/// Rates the published version the reader reads now, replacing their
/// earlier rating of it.
pub fn rate(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    article_id: Uuid,
    helpful: bool,
    comment: Option<String>,
) -> Result<RatingRow, StoreError> {
    write_tx(conn, |conn| {
        let article = admit_reader(conn, principal, article_id)?;
        let (by, version, id) = (principal.actor.id(), article.published_version, Uuid::now_v7());
        use knowledge_ratings as r;
        let earlier = r::table.filter(
            r::article_id.eq(DbId(article_id)).and(r::article_version.eq(version)).and(r::rated_by.eq(DbId(by))),
        );
        let replaced = diesel::delete(earlier).execute(conn)? > 0;
        diesel::insert_into(r::table)
            .values((
                r::id.eq(DbId(id)),
                r::article_id.eq(DbId(article_id)),
                r::article_version.eq(version),
                r::helpful.eq(helpful),
                r::comment.eq(comment.as_deref()),
                r::rated_by.eq(DbId(by)),
                r::rated_at.eq(ctx.now.naive_utc()),
            ))
            .execute(conn)?;
        let detail = serde_json::json!({ "rating_id": id, "article_version": version, "helpful": helpful, "replaced": replaced });
        record(conn, ctx, &article, ArticleChange::Rated, detail)?;
        Ok(r::table.find(DbId(id)).select(RatingRow::as_select()).first(conn)?)
    })
}

fn find_flag(conn: &mut DbConnection, article_id: Uuid, flag_id: Uuid) -> Result<FlagRow, StoreError> {
    knowledge_flags::table
        .find(DbId(flag_id))
        .filter(knowledge_flags::article_id.eq(DbId(article_id)))
        .select(FlagRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Flags the published version the reader reads now as wrong (the
/// journal's `knowledge.flagged` tells its owners).
pub fn flag(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    article_id: Uuid,
    reason: &str,
    key: Option<&IdempotencyKey>,
) -> Result<FlagRow, StoreError> {
    write_tx(conn, |conn| {
        if let Some(id) = key.map(|k| replayed_id(conn, k)).transpose()?.flatten() {
            return find_flag(conn, article_id, id);
        }
        let article = admit_reader(conn, principal, article_id)?;
        let (id, version) = (Uuid::now_v7(), article.published_version);
        use knowledge_flags as f;
        diesel::insert_into(f::table)
            .values((
                f::id.eq(DbId(id)),
                f::article_id.eq(DbId(article_id)),
                f::article_version.eq(version),
                f::reason.eq(reason),
                f::flagged_by.eq(DbId(principal.actor.id())),
                f::flagged_at.eq(ctx.now.naive_utc()),
            ))
            .execute(conn)?;
        let detail = serde_json::json!({ "flag_id": id, "article_version": version, "reason": reason });
        record(conn, ctx, &article, ArticleChange::Flagged, detail)?;
        if let Some(key) = key {
            remember_key(conn, key, id, ctx.now.naive_utc())?;
        }
        find_flag(conn, article_id, id)
    })
}

/// An article's flags, open ones first, then newest first (owners).
pub fn flags(
    conn: &mut DbConnection,
    principal: &Principal,
    article_id: Uuid,
    publishers: Publishers,
) -> Result<Vec<FlagRow>, StoreError> {
    admit_owner(conn, principal, article_id, publishers)?;
    let mut rows: Vec<FlagRow> = knowledge_flags::table
        .filter(knowledge_flags::article_id.eq(DbId(article_id)))
        .select(FlagRow::as_select())
        .order(knowledge_flags::id.desc())
        .limit(1000)
        .load(conn)?;
    rows.sort_by_key(|f| f.closed_at.is_some());
    Ok(rows)
}

/// Closes an open flag (409 when it is closed already).
pub fn close_flag(
    conn: &mut DbConnection,
    ctx: &Context,
    principal: &Principal,
    article_id: Uuid,
    flag_id: Uuid,
    publishers: Publishers,
) -> Result<FlagRow, StoreError> {
    write_tx(conn, |conn| {
        admit_owner(conn, principal, article_id, publishers)?;
        let flag = find_flag(conn, article_id, flag_id)?;
        if flag.closed_at.is_some() {
            return Err(StoreError::Conflict("the flag is closed already".into()));
        }
        diesel::update(knowledge_flags::table.find(DbId(flag_id)))
            .set((
                knowledge_flags::closed_at.eq(Some(ctx.now.naive_utc())),
                knowledge_flags::closed_by.eq(OptionalDbId(Some(principal.actor.id()))),
            ))
            .execute(conn)?;
        let article = find_any(conn, article_id)?;
        record(conn, ctx, &article, ArticleChange::FlagClosed, serde_json::json!({ "flag_id": flag_id }))?;
        find_flag(conn, article_id, flag_id)
    })
}
