//! Files of articles (their bytes live in the data folder, `files`): added
//! to and removed from a draft through the article's journal, and read by
//! whoever reads the article. Rows are never deleted: a removal records the
//! version the file left in ([`FileSpan`]).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::write::{admit, ArticleRequest};
use super::{find, find_any, Article};
use crate::db::journal::{self, snapshot};
use crate::db::schema::knowledge_attachments;
use crate::db::sql_types::DbId;
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::knowledge::access::{ArticleVisibility, KnowledgeAction, Publishers};
use crate::domain::knowledge::attachments::FileSpan;
use crate::domain::knowledge::markdown::attachment_references;
use crate::domain::knowledge::workflow::{editable, ArticleChange};
use crate::domain::policy::Principal;

/// A file of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleAttachment {
    pub id: Uuid,
    pub article_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub added_in_version: i32,
    pub removed_in_version: Option<i32>,
    pub removed_at: Option<DateTime<Utc>>,
}

impl ArticleAttachment {
    /// The versions that show it.
    pub fn span(&self) -> FileSpan {
        FileSpan { added_in: self.added_in_version, removed_in: self.removed_in_version }
    }
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = knowledge_attachments)]
struct AttachmentRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    article_id: Uuid,
    filename: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    #[diesel(serialize_as = DbId)]
    uploaded_by: Uuid,
    created_at: NaiveDateTime,
    added_in_version: i32,
    removed_in_version: Option<i32>,
    removed_at: Option<NaiveDateTime>,
}

impl From<AttachmentRow> for ArticleAttachment {
    fn from(r: AttachmentRow) -> Self {
        Self {
            id: r.id,
            article_id: r.article_id,
            filename: r.filename,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            created_at: r.created_at.and_utc(),
            added_in_version: r.added_in_version,
            removed_in_version: r.removed_in_version,
            removed_at: r.removed_at.map(|t| t.and_utc()),
        }
    }
}

/// A stored file to record on an article (its type checked, its bytes
/// written).
pub struct NewArticleAttachment {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Reads the article whose draft the caller changes the files of: 403 for
/// a service account or without the right to edit it, 404 when they may
/// not read it, 409 when it is not a draft. Called before the bytes are
/// read, and again inside the recording transaction.
pub fn admit_writer(
    conn: &mut DbConnection,
    principal: &Principal,
    article_id: Uuid,
    publishers: Publishers,
) -> Result<Article, StoreError> {
    let article = admit(conn, principal, article_id, KnowledgeAction::Edit, publishers)?;
    if !editable(article.status) {
        return Err(StoreError::Conflict(format!(
            "an article that is {} does not change its files; revise it into a draft first",
            article.status
        )));
    }
    Ok(article)
}

/// Every file of an article, removed ones too, oldest first.
fn all_of(conn: &mut DbConnection, article_id: Uuid) -> Result<Vec<ArticleAttachment>, StoreError> {
    let rows: Vec<AttachmentRow> = knowledge_attachments::table
        .filter(knowledge_attachments::article_id.eq(DbId(article_id)))
        .select(AttachmentRow::as_select())
        .order(knowledge_attachments::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(ArticleAttachment::from).collect())
}

/// Every file of an article the caller may read (`NotFound` when not),
/// removed ones too: the caller picks those of the draft or of a version.
pub fn list(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    article_id: Uuid,
) -> Result<Vec<ArticleAttachment>, StoreError> {
    find(conn, visibility, article_id)?;
    all_of(conn, article_id)
}

/// One file of an article the caller may read, removed or not (an older
/// version may still show it).
pub fn find_one(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    article_id: Uuid,
    id: Uuid,
) -> Result<ArticleAttachment, StoreError> {
    find(conn, visibility, article_id)?;
    let row: AttachmentRow = knowledge_attachments::table
        .find(DbId(id))
        .filter(knowledge_attachments::article_id.eq(DbId(article_id)))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

/// Takes the article for a change of its files: admitted, its version
/// moved on (the draft changed, and the row lock orders this change
/// against an edit of the body), and read again under that lock.
fn take(conn: &mut DbConnection, ctx: &Context, request: &ArticleRequest) -> Result<Article, StoreError> {
    let read = admit_writer(conn, &request.principal, request.article_id, request.publishers)?;
    let guard = versioned::check(Versioned::Article, read.id, read.version, &request.precondition)?;
    guard.bump(conn, ctx.now)?;
    find_any(conn, read.id)
}

fn record(
    conn: &mut DbConnection,
    ctx: &Context,
    article: &Article,
    change: ArticleChange,
    states: (Option<&ArticleAttachment>, &ArticleAttachment),
) -> Result<(), StoreError> {
    let (before, after) = states;
    let detail = serde_json::json!({ "attachment_id": after.id, "filename": after.filename,
        "added_in_version": after.added_in_version, "removed_in_version": after.removed_in_version });
    let event = Event::Article { change, from: Some(article.status), to: article.status, detail };
    let before = before.map(snapshot).transpose()?;
    journal::record(conn, ctx, Entry::new(Subject::Article(article.id), event).states(before, Some(snapshot(after)?)))
}

/// Records a file on the article's draft; the next publish shows it.
pub fn add(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &ArticleRequest,
    new: NewArticleAttachment,
) -> Result<ArticleAttachment, StoreError> {
    write_tx(conn, |conn| {
        let article = take(conn, ctx, request)?;
        let uploader = ctx.actor.map(|a| a.id()).ok_or_else(|| StoreError::Forbidden("people add files".into()))?;
        let row = AttachmentRow {
            id: new.id,
            article_id: article.id,
            filename: new.filename,
            content_type: new.content_type,
            size_bytes: new.size_bytes,
            sha256: new.sha256,
            uploaded_by: uploader,
            created_at: ctx.now.naive_utc(),
            added_in_version: FileSpan::added(article.published_version).added_in,
            removed_in_version: None,
            removed_at: None,
        };
        diesel::insert_into(knowledge_attachments::table).values(row.clone()).execute(conn)?;
        let attachment = ArticleAttachment::from(row);
        record(conn, ctx, &article, ArticleChange::AttachmentAdded, (None, &attachment))?;
        Ok(attachment)
    })
}

/// Removes a file from the article's draft: the versions published with
/// it keep showing it. 409 when the draft's body still shows it, or it
/// is removed already.
pub fn remove(
    conn: &mut DbConnection,
    ctx: &Context,
    request: &ArticleRequest,
    attachment_id: Uuid,
) -> Result<ArticleAttachment, StoreError> {
    write_tx(conn, |conn| {
        let article = take(conn, ctx, request)?;
        let before =
            all_of(conn, article.id)?.into_iter().find(|a| a.id == attachment_id).ok_or(StoreError::NotFound)?;
        if !before.span().in_draft() {
            return Err(StoreError::Conflict("the file is removed from the draft already".into()));
        }
        if attachment_references(&article.body).contains(&Ok(attachment_id)) {
            return Err(StoreError::Conflict(
                "the draft's body still shows the file; take the reference out first".into(),
            ));
        }
        let span = before.span().removed(article.published_version);
        diesel::update(knowledge_attachments::table.find(DbId(attachment_id)))
            .set((
                knowledge_attachments::removed_in_version.eq(span.removed_in),
                knowledge_attachments::removed_at.eq(Some(ctx.now.naive_utc())),
            ))
            .execute(conn)?;
        let after =
            ArticleAttachment { removed_in_version: span.removed_in, removed_at: Some(ctx.now), ..before.clone() };
        record(conn, ctx, &article, ArticleChange::AttachmentRemoved, (Some(&before), &after))?;
        Ok(after)
    })
}
