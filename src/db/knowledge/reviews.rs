//! Reviews of published articles: an owner's confirmation that one still
//! holds (the review date moves on by the configured period), a
//! republish, and the owners told once per due date when a review falls
//! due (`jobs::housekeeper`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::feedback::admit_owner;
use super::write::{record_review, ArticleRequest};
use super::{find_any, Article};
use crate::db::journal::{self, snapshot};
use crate::db::schema::{knowledge_articles, knowledge_review_notices};
use crate::db::sql_types::DbId;
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::knowledge::workflow::{review_due_at, ArticleChange};
use crate::domain::knowledge::ArticleStatus;

/// An owner confirms a published article still holds: its review date
/// moves on by the period (409 for an article that is not published).
pub fn confirm(conn: &mut DbConnection, ctx: &Context, request: &ArticleRequest) -> Result<Article, StoreError> {
    write_tx(conn, |conn| {
        let p = &request.principal;
        let before = admit_owner(conn, p, request.article_id, request.publishers)?;
        if before.status != ArticleStatus::Published {
            return Err(StoreError::Conflict(format!("an article that is {} is not reviewed", before.status)));
        }
        let guard = versioned::check(Versioned::Article, before.id, before.version, &request.precondition)?;
        guard.bump(conn, ctx.now)?;
        let next = review_due_at(ctx.now, request.review_period_days);
        diesel::update(knowledge_articles::table.find(DbId(before.id)))
            .set(knowledge_articles::review_due_at.eq(Some(next.naive_utc())))
            .execute(conn)?;
        record_review(conn, before.id, before.review_due_at, ctx.now, p.actor.id())?;
        let after = find_any(conn, before.id)?;
        let detail = serde_json::json!({ "due_at": before.review_due_at, "next_due_at": next });
        let event =
            Event::Article { change: ArticleChange::Reviewed, from: Some(before.status), to: after.status, detail };
        let entry =
            Entry::new(Subject::Article(after.id), event).states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Tells the owners of every published article whose review fell due by
/// `now`, once per due date; how many were told.
pub fn tell_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    use knowledge_articles as k;
    let told = knowledge_review_notices::table
        .filter(knowledge_review_notices::article_id.eq(k::id))
        .filter(knowledge_review_notices::due_at.nullable().eq(k::review_due_at));
    let due: Vec<(Uuid, NaiveDateTime)> = k::table
        .filter(k::status.eq(ArticleStatus::Published.as_str()))
        .filter(k::review_due_at.le(now.naive_utc()))
        .filter(diesel::dsl::not(diesel::dsl::exists(told)))
        .select((k::id, k::review_due_at.assume_not_null()))
        .order(k::id)
        .limit(500)
        .load(conn)?;
    let ctx = Context::system(now);
    for (id, due_at) in &due {
        write_tx(conn, |conn| {
            diesel::insert_into(knowledge_review_notices::table)
                .values((
                    knowledge_review_notices::article_id.eq(DbId(*id)),
                    knowledge_review_notices::due_at.eq(due_at),
                    knowledge_review_notices::told_at.eq(now.naive_utc()),
                ))
                .execute(conn)?;
            let detail = serde_json::json!({ "due_at": due_at.and_utc() });
            let status = ArticleStatus::Published;
            let event = Event::Article { change: ArticleChange::ReviewDue, from: Some(status), to: status, detail };
            journal::record(conn, &ctx, Entry::new(Subject::Article(*id), event))
        })?;
    }
    Ok(due.len())
}
