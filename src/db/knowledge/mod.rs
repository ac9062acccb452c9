//! Knowledge articles: the row and its reading ([`Article`], scoped by the
//! caller's [`ArticleVisibility`] in the query itself), writing and moving
//! them through the journal ([`write`]), their published versions
//! ([`versions`]), their files ([`attachments`]) and their search
//! ([`search`], over the collection's [`stats`]).

pub mod attachments;
pub mod feedback;
pub mod links;
pub(crate) mod postings;
pub mod report;
pub mod reviews;
pub mod search;
pub mod stats;
pub mod versions;
pub mod views;
pub mod write;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::schema::{knowledge_articles, knowledge_attachments, services};
use super::sql_types::DbId;
use super::{DbBackend, DbConnection, StoreError};
use crate::domain::knowledge::access::{ArticleFacts, ArticleVisibility};
use crate::domain::knowledge::article::keywords_from_stored;
use crate::domain::knowledge::attachments::{check_references, FileSpan};
use crate::domain::knowledge::markdown::attachment_references;
use crate::domain::knowledge::{ArticleAudience, ArticleKind, ArticleStatus};
use crate::domain::validation::ValidationErrors;

/// An article as the service reads it (and as the journal records it;
/// its search terms are derived, not recorded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    pub id: Uuid,
    pub service_id: Uuid,
    pub owner_unit_id: Uuid,
    pub author_id: Uuid,
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub status: ArticleStatus,
    pub title: String,
    pub body: String,
    pub keywords: Vec<String>,
    pub published_version: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub review_due_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = knowledge_articles)]
pub(crate) struct ArticleRow {
    id: Uuid,
    service_id: Uuid,
    owner_unit_id: Uuid,
    author_id: Uuid,
    kind: String,
    audience: String,
    status: String,
    title: String,
    body: String,
    keywords: String,
    published_version: i32,
    published_at: Option<NaiveDateTime>,
    review_due_at: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("knowledge article {what}: {e}"))
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;

    fn try_from(row: ArticleRow) -> Result<Self, StoreError> {
        Ok(Article {
            id: row.id,
            service_id: row.service_id,
            owner_unit_id: row.owner_unit_id,
            author_id: row.author_id,
            kind: row.kind.parse().map_err(|e| corrupt("kind", e))?,
            audience: row.audience.parse().map_err(|e| corrupt("audience", e))?,
            status: row.status.parse().map_err(|e| corrupt("status", e))?,
            title: row.title,
            body: row.body,
            keywords: keywords_from_stored(&row.keywords),
            published_version: row.published_version,
            published_at: row.published_at.map(|t| t.and_utc()),
            review_due_at: row.review_due_at.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

type ArticleCondition<QS = knowledge_articles::table> =
    Box<dyn BoxableExpression<QS, DbBackend, SqlType = diesel::sql_types::Bool>>;

/// The `WHERE` of a caller's article visibility; `None` when they see all.
/// It says what [`ArticleVisibility::sees`] says, in SQL, over the
/// articles table or a join with it (`QS`).
pub(crate) fn visible_condition<QS>(visibility: &ArticleVisibility) -> Option<ArticleCondition<QS>>
where
    QS: 'static,
    knowledge_articles::audience: SelectableExpression<QS>,
    knowledge_articles::status: SelectableExpression<QS>,
    knowledge_articles::author_id: SelectableExpression<QS>,
    knowledge_articles::owner_unit_id: SelectableExpression<QS>,
{
    if visibility.all {
        return None;
    }
    use knowledge_articles as k;
    let audiences: Vec<&str> = visibility.audiences.iter().map(|a| a.as_str()).collect();
    let mut readable: ArticleCondition<QS> = Box::new(k::status.eq(ArticleStatus::Published.as_str()));
    if let Some(author) = visibility.author {
        readable = Box::new(readable.or(k::author_id.eq(DbId(author))));
    }
    if let Some(unit) = visibility.desk_of {
        readable = Box::new(readable.or(k::owner_unit_id.eq(DbId(unit))));
    }
    Some(Box::new(k::audience.eq_any(audiences).and(readable)))
}

/// Reads an article, whoever asks.
pub(crate) fn find_any(conn: &mut DbConnection, id: Uuid) -> Result<Article, StoreError> {
    let row: ArticleRow = knowledge_articles::table
        .find(DbId(id))
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// Reads articles by id, whoever asks (those found).
pub(crate) fn find_many(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, Article>, StoreError> {
    let ids: Vec<DbId> = ids.into_iter().map(DbId).collect();
    let rows: Vec<ArticleRow> = knowledge_articles::table
        .filter(knowledge_articles::id.eq_any(ids))
        .select(ArticleRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|row| Article::try_from(row).map(|a| (a.id, a))).collect()
}

/// Reads an article the caller may read (`NotFound` when not: no leak).
pub fn find(conn: &mut DbConnection, visibility: &ArticleVisibility, id: Uuid) -> Result<Article, StoreError> {
    let mut query = knowledge_articles::table.filter(knowledge_articles::id.eq(DbId(id))).into_boxed();
    if let Some(condition) = visible_condition(visibility) {
        query = query.filter(condition);
    }
    let row: ArticleRow = query.select(ArticleRow::as_select()).first(conn).optional()?.ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// What access decisions need to know about an article.
pub(crate) fn facts(conn: &mut DbConnection, article: &Article) -> Result<ArticleFacts, StoreError> {
    let service_owner: Uuid =
        services::table.find(DbId(article.service_id)).select(services::owner_unit_id).first(conn)?;
    Ok(ArticleFacts {
        author_id: article.author_id,
        owner_unit_id: article.owner_unit_id,
        service_owner_unit_id: service_owner,
        audience: article.audience,
        status: article.status,
    })
}

/// Checks that the files `body` refers to are on the article's draft (422
/// on `body` otherwise); `attachments` keeps them.
pub(crate) fn check_body_files(conn: &mut DbConnection, article_id: Uuid, body: &str) -> Result<(), StoreError> {
    if attachment_references(body).is_empty() {
        return Ok(());
    }
    use knowledge_attachments as a;
    let files: Vec<(Uuid, i32, Option<i32>)> = a::table
        .filter(a::article_id.eq(DbId(article_id)))
        .select((a::id, a::added_in_version, a::removed_in_version))
        .load(conn)?;
    let in_draft: Vec<Uuid> = files
        .into_iter()
        .filter(|(_, added_in, removed_in)| FileSpan { added_in: *added_in, removed_in: *removed_in }.in_draft())
        .map(|(id, ..)| id)
        .collect();
    check_references(body, &in_draft).map_err(|e| StoreError::Invalid(ValidationErrors::single("body", e)))
}

/// Filters of the article list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub status: Option<ArticleStatus>,
    pub kind: Option<ArticleKind>,
    pub service_id: Option<Uuid>,
    pub owner_unit_id: Option<Uuid>,
    /// Only articles whose review date is before this instant.
    pub review_due_before: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// The articles the caller reads, oldest first (ids are time-ordered).
pub fn list(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    f: &ArticleFilter,
) -> Result<Vec<Article>, StoreError> {
    use knowledge_articles as k;
    let mut q = k::table.select(ArticleRow::as_select()).into_boxed();
    if let Some(condition) = visible_condition(visibility) {
        q = q.filter(condition);
    }
    if let Some(status) = f.status {
        q = q.filter(k::status.eq(status.as_str()));
    }
    if let Some(kind) = f.kind {
        q = q.filter(k::kind.eq(kind.as_str()));
    }
    if let Some(service) = f.service_id {
        q = q.filter(k::service_id.eq(DbId(service)));
    }
    if let Some(unit) = f.owner_unit_id {
        q = q.filter(k::owner_unit_id.eq(DbId(unit)));
    }
    if let Some(before) = f.review_due_before {
        q = q.filter(k::review_due_at.lt(before.naive_utc()));
    }
    if let Some(after) = f.after {
        q = q.filter(k::id.gt(DbId(after)));
    }
    let rows: Vec<ArticleRow> = q.order(k::id.asc()).limit(i64::from(f.limit)).load(conn)?;
    rows.into_iter().map(Article::try_from).collect()
}

/// Whether an article with this title exists (the demo seed adds only
/// the articles it does not find).
pub fn exists_titled(conn: &mut DbConnection, title: &str) -> Result<bool, StoreError> {
    let found: i64 = knowledge_articles::table.filter(knowledge_articles::title.eq(title)).count().get_result(conn)?;
    Ok(found > 0)
}
