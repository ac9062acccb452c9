//! The published versions of an article: what each publish made readable.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::knowledge_versions;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::knowledge::article::keywords_from_stored;
use crate::domain::knowledge::{ArticleAudience, ArticleKind};

/// One published version of an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleVersion {
    pub article_id: Uuid,
    pub number: i32,
    pub title: String,
    pub body: String,
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub keywords: Vec<String>,
    pub published_by: Uuid,
    pub published_at: DateTime<Utc>,
}

type VersionRow = (Uuid, i32, String, String, String, String, String, Uuid, NaiveDateTime);

fn of_row(row: VersionRow) -> Result<ArticleVersion, StoreError> {
    let (article_id, number, title, body, kind, audience, keywords, published_by, published_at) = row;
    let corrupt = |e: String| StoreError::Corrupt(format!("knowledge version {number}: {e}"));
    Ok(ArticleVersion {
        article_id,
        number,
        title,
        body,
        kind: kind.parse().map_err(corrupt)?,
        audience: audience.parse().map_err(corrupt)?,
        keywords: keywords_from_stored(&keywords),
        published_by,
        published_at: published_at.and_utc(),
    })
}

fn columns() -> (
    knowledge_versions::article_id,
    knowledge_versions::number,
    knowledge_versions::title,
    knowledge_versions::body,
    knowledge_versions::kind,
    knowledge_versions::audience,
    knowledge_versions::keywords,
    knowledge_versions::published_by,
    knowledge_versions::published_at,
) {
    use knowledge_versions as v;
    (v::article_id, v::number, v::title, v::body, v::kind, v::audience, v::keywords, v::published_by, v::published_at)
}

/// Every version of an article, first first (the caller has read the article).
pub fn list(conn: &mut DbConnection, article_id: Uuid) -> Result<Vec<ArticleVersion>, StoreError> {
    let rows: Vec<VersionRow> = knowledge_versions::table
        .filter(knowledge_versions::article_id.eq(DbId(article_id)))
        .order(knowledge_versions::number.asc())
        .select(columns())
        .load(conn)?;
    rows.into_iter().map(of_row).collect()
}

/// One version of an article (the caller has read the article).
pub fn find(conn: &mut DbConnection, article_id: Uuid, number: i32) -> Result<ArticleVersion, StoreError> {
    let row: VersionRow = knowledge_versions::table
        .find((DbId(article_id), number))
        .select(columns())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    of_row(row)
}
