//! Reporters' views of published articles, for self-service figures
//! (`domain::knowledge::self_service`). Views are reads, not changes of an
//! aggregate: they go to their own table, not through the journal.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::Article;
use crate::db::schema::knowledge_views;
use crate::db::sql_types::DbId;
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::knowledge::self_service::VIEW_EVERY_MINUTES;
use crate::domain::knowledge::ArticleStatus;

/// Records that `viewer` opened `article` at `now`, unless they did within
/// the hour or it is not published.
pub fn record(conn: &mut DbConnection, article: &Article, viewer: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    if article.status != ArticleStatus::Published {
        return Ok(());
    }
    use knowledge_views as v;
    let since = (now - Duration::minutes(VIEW_EVERY_MINUTES)).naive_utc();
    write_tx(conn, |conn| {
        let recent = v::table
            .filter(v::article_id.eq(DbId(article.id)))
            .filter(v::viewer_id.eq(DbId(viewer)))
            .filter(v::viewed_at.gt(since));
        if diesel::select(diesel::dsl::exists(recent)).get_result::<bool>(conn)? {
            return Ok(());
        }
        diesel::insert_into(v::table)
            .values((
                v::article_id.eq(DbId(article.id)),
                v::viewer_id.eq(DbId(viewer)),
                v::service_id.eq(DbId(article.service_id)),
                v::viewed_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}
