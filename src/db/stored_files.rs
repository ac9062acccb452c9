//! Every attachment file the data folder holds, of tickets and of articles
//! alike (one layout, `files::attachment_path`): what backups copy and
//! check, and what the housekeeper keeps.

use std::collections::HashSet;

use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{attachments, knowledge_attachments};
use super::sql_types::{db_ids, DbId};
use super::{DbConnection, StoreError};

/// A file as its record knows it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StoredFile {
    pub id: Uuid,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Up to `limit` files after `after` in id order, whoever may see them,
/// of tickets and articles merged (each kind's first `limit` after `after`
/// hold the merged first `limit`).
pub fn page_after(conn: &mut DbConnection, after: Option<Uuid>, limit: i64) -> Result<Vec<StoredFile>, StoreError> {
    let mut tickets = attachments::table
        .select((attachments::id, attachments::size_bytes, attachments::sha256))
        .order(attachments::id.asc())
        .limit(limit)
        .into_boxed();
    let mut articles = knowledge_attachments::table
        .select((knowledge_attachments::id, knowledge_attachments::size_bytes, knowledge_attachments::sha256))
        .order(knowledge_attachments::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        tickets = tickets.filter(attachments::id.gt(DbId(after)));
        articles = articles.filter(knowledge_attachments::id.gt(DbId(after)));
    }
    let mut files: Vec<StoredFile> = tickets.load(conn)?;
    files.extend(articles.load::<StoredFile>(conn)?);
    files.sort_by_key(|f| f.id);
    files.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(files)
}

/// Which of `ids` have a record, of a ticket's file or an article's.
pub fn recorded(conn: &mut DbConnection, ids: &[Uuid]) -> Result<HashSet<Uuid>, StoreError> {
    let mut recorded = HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<Uuid> =
            attachments::table.filter(attachments::id.eq_any(db_ids(chunk))).select(attachments::id).load(conn)?;
        recorded.extend(found);
        let found: Vec<Uuid> = knowledge_attachments::table
            .filter(knowledge_attachments::id.eq_any(db_ids(chunk)))
            .select(knowledge_attachments::id)
            .load(conn)?;
        recorded.extend(found);
    }
    Ok(recorded)
}
