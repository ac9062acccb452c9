//! Request and response types of `/api/v1/knowledge`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::attachments::{attachment_url, ArticleAttachmentResponse};
use crate::db::knowledge::attachments::ArticleAttachment;
use crate::db::knowledge::search::Hit;
use crate::db::knowledge::versions::ArticleVersion;
use crate::db::knowledge::Article;
use crate::domain::knowledge::markdown::to_html;
use crate::domain::knowledge::{ArticleAudience, ArticleKind, ArticleStatus};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticleRequest {
    /// The Layanan SPBE the article is about: an active service (422 otherwise).
    pub service_id: Uuid,
    /// The unit that owns the article: the caller's own unless the Dinas
    /// writes it for another; an active unit (422 otherwise). A Perangkat
    /// Daerah writes articles for itself (422 otherwise).
    pub owner_unit_id: Option<Uuid>,
    pub kind: ArticleKind,
    /// `everyone` unless given; only the Dinas writes for the Dinas's
    /// audience (422 otherwise).
    pub audience: Option<ArticleAudience>,
    #[schema(max_length = 200)]
    pub title: String,
    /// Markdown, at most 50 000 characters; raw HTML is shown as text. A
    /// new article has no files, so no `attachment:` reference yet (422
    /// otherwise): upload to the draft, then edit the body.
    pub body: String,
    /// At most 20; each keyword is 1 to 40 characters of letters, digits,
    /// spaces or '-' (422 otherwise).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticleRequest {
    /// An active service (422 otherwise).
    pub service_id: Option<Uuid>,
    pub kind: Option<ArticleKind>,
    /// Only the Dinas writes for the Dinas's audience (422 otherwise).
    pub audience: Option<ArticleAudience>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// Markdown, at most 50 000 characters; raw HTML is shown as text. It
    /// shows files as `![alt](attachment:<id>)`, only files on the article's
    /// draft (422 otherwise).
    pub body: Option<String>,
    /// At most 20; each keyword is 1 to 40 characters of letters, digits,
    /// spaces or '-' (422 otherwise).
    #[schema(max_items = 20)]
    pub keywords: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnArticleRequest {
    /// What the writer should change.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    pub id: Uuid,
    pub service_id: Uuid,
    pub owner_unit_id: Uuid,
    pub author_id: Uuid,
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub status: ArticleStatus,
    pub title: String,
    /// The Markdown as written.
    pub body: String,
    /// The body as sanitised HTML (no raw HTML, no scripts).
    pub body_html: String,
    pub keywords: Vec<String>,
    /// The number of the latest published version (0: never published).
    pub published_version: i32,
    pub published_at: Option<DateTime<Utc>>,
    /// When the article is due for review (`knowledge.review_period_days`
    /// after its last publish).
    pub review_due_at: Option<DateTime<Utc>>,
    /// The version of the record, as in the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How many tickets the article solved (linked to it); shown to the
    /// desks and reviewers, not to reporters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_count: Option<i64>,
}

impl ArticleResponse {
    /// The response with its link count from `counts` (an article no
    /// ticket linked counts 0).
    pub fn counted(mut self, counts: &std::collections::HashMap<Uuid, i64>) -> Self {
        self.link_count = Some(counts.get(&self.id).copied().unwrap_or(0));
        self
    }
}

impl From<Article> for ArticleResponse {
    fn from(a: Article) -> Self {
        Self {
            id: a.id,
            service_id: a.service_id,
            owner_unit_id: a.owner_unit_id,
            author_id: a.author_id,
            kind: a.kind,
            audience: a.audience,
            status: a.status,
            body_html: to_html(&a.body, &attachment_url(a.id)),
            title: a.title,
            body: a.body,
            keywords: a.keywords,
            published_version: a.published_version,
            published_at: a.published_at,
            review_due_at: a.review_due_at,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
            link_count: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    pub items: Vec<ArticleResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    pub status: Option<ArticleStatus>,
    pub kind: Option<ArticleKind>,
    pub service_id: Option<Uuid>,
    pub owner_unit_id: Option<Uuid>,
    /// Only articles whose review date is before this instant (overdue ones: now).
    pub review_due_before: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleVersionResponse {
    pub article_id: Uuid,
    pub number: i32,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub keywords: Vec<String>,
    pub published_by: Uuid,
    pub published_at: DateTime<Utc>,
    /// The files this version shows, as it was published with them.
    pub attachments: Vec<ArticleAttachmentResponse>,
}

impl ArticleVersionResponse {
    /// The version with the files it shows, of the article's `files`.
    pub fn with_files(v: ArticleVersion, files: &[ArticleAttachment]) -> Self {
        let shown = files.iter().filter(|f| f.span().shown_in(v.number)).cloned().map(ArticleAttachmentResponse::from);
        let attachments = shown.collect();
        Self {
            article_id: v.article_id,
            number: v.number,
            title: v.title,
            body_html: to_html(&v.body, &attachment_url(v.article_id)),
            body: v.body,
            kind: v.kind,
            audience: v.audience,
            keywords: v.keywords,
            published_by: v.published_by,
            published_at: v.published_at,
            attachments,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleVersionList {
    pub items: Vec<ArticleVersionResponse>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The words looked for, as people write them (affixes, typos,
    /// synonyms and English words are understood); not blank (422 otherwise).
    #[param(max_length = 200)]
    pub q: String,
    pub service_id: Option<Uuid>,
    /// Published articles only.
    pub published: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestQuery {
    /// The Layanan SPBE the reporter is filing about: its articles rank first.
    pub service_id: Option<Uuid>,
    /// What the reporter has written so far; not blank (422 otherwise).
    #[param(min_length = 1, max_length = 2000)]
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitResponse {
    pub id: Uuid,
    pub title: String,
    /// The title with the matched words in `<mark>`, the rest escaped.
    pub title_html: String,
    /// Words of the body around the first match, marked and escaped.
    pub snippet_html: String,
    pub kind: ArticleKind,
    pub status: ArticleStatus,
    pub service_id: Uuid,
    pub published_version: i32,
    /// BM25 score (higher is better); comparable within one answer only.
    pub score: f64,
}

impl From<Hit> for SearchHitResponse {
    fn from(h: Hit) -> Self {
        Self {
            id: h.article.id,
            title: h.article.title,
            title_html: h.title_html,
            snippet_html: h.snippet_html,
            kind: h.article.kind,
            status: h.article.status,
            service_id: h.article.service_id,
            published_version: h.article.published_version,
            score: h.score,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHitResponse>,
}
