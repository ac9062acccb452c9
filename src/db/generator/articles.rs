//! `admin generate --articles N`: knowledge articles for benchmarks, their
//! words drawn from the demo collection (`seed/knowledge/articles.md`) so
//! that the searches people type find them as they find the demo's: each
//! article takes a demo article's service, kind, audience, keywords and a
//! part of its words, and the rest of its body from the whole collection's
//! words at their own frequencies (common words common, rare ones rare).
//! Written as the service writes them (row, published version, terms with
//! their impact, journal entries), many at a time.

use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::db::batch::insert_batch;
use crate::db::journal::bulk::BulkJournal;
use crate::db::journal::snapshot;
use crate::db::knowledge::postings::term_rows;
use crate::db::knowledge::{stats, Article};
use crate::db::schema::{knowledge_articles, knowledge_terms, knowledge_versions};
use crate::db::sql_types::DbId;
use crate::db::{services, write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::knowledge::article::keywords_to_stored;
use crate::domain::knowledge::corpus::SeedArticle;
use crate::domain::knowledge::terms::{index, words};
use crate::domain::knowledge::workflow::ArticleChange;
use crate::domain::knowledge::{ArticleMove, ArticleStatus};
use crate::domain::policy::Actor;

/// Articles drawn and written per transaction.
const CHUNK: u64 = 2_000;
/// One article in this many is left a draft.
const DRAFT_EVERY: u32 = 20;

/// What generated articles are drawn from: the demo's articles with their
/// services' ids, and every word of the collection (a word as often as it
/// is written, so a uniform draw follows the collection's frequencies).
pub struct ArticleSource {
    templates: Vec<(SeedArticle, Uuid)>,
    words: Vec<String>,
}

impl ArticleSource {
    /// The demo's articles whose service exists.
    pub fn new(conn: &mut DbConnection, seed_articles: Vec<SeedArticle>) -> Result<Self, StoreError> {
        let mut templates = Vec::new();
        for article in seed_articles {
            if let Some(service) = services::find_by_code(conn, &article.service)? {
                templates.push((article, service.id));
            }
        }
        let words = templates.iter().flat_map(|(a, _)| words(&a.body).collect::<Vec<_>>()).collect();
        Ok(Self { templates, words })
    }

    fn draw(&self, rng: &mut StdRng, n: u64) -> (&SeedArticle, Uuid, String, String) {
        let (template, service) = &self.templates[rng.gen_range(0..self.templates.len())];
        let own: Vec<String> = words(&template.body).collect();
        let mut pick = |from: &[String], count: usize| -> Vec<String> {
            (0..count).map(|_| from[rng.gen_range(0..from.len())].clone()).collect()
        };
        let title = format!("{} ({})", template.title, pick(&self.words, 2).join(" "));
        let mut body = pick(&own, 25);
        body.extend(pick(&self.words, 50));
        let body = format!("{} Catatan nomor {n}.", body.join(" "));
        (template, *service, title, body)
    }
}

/// An article row as the bulk load writes it.
#[derive(Insertable)]
#[diesel(table_name = knowledge_articles)]
struct NewArticleRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    #[diesel(serialize_as = DbId)]
    service_id: Uuid,
    #[diesel(serialize_as = DbId)]
    owner_unit_id: Uuid,
    #[diesel(serialize_as = DbId)]
    author_id: Uuid,
    kind: String,
    audience: String,
    status: String,
    title: String,
    body: String,
    keywords: String,
    term_count: i32,
    published_version: i32,
    published_at: Option<chrono::NaiveDateTime>,
    review_due_at: Option<chrono::NaiveDateTime>,
    version: i64,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = knowledge_versions)]
struct NewVersionRow {
    #[diesel(serialize_as = DbId)]
    article_id: Uuid,
    number: i32,
    title: String,
    body: String,
    kind: String,
    audience: String,
    keywords: String,
    #[diesel(serialize_as = DbId)]
    published_by: Uuid,
    published_at: chrono::NaiveDateTime,
}

/// What a run wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleReport {
    pub articles: u64,
    pub seconds: f64,
}

/// Who writes the generated articles: a Dinas engineer, for the Dinas.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pub author_id: Uuid,
    pub unit_id: Uuid,
}

/// Draws and writes `count` articles (published, one in
/// [`DRAFT_EVERY`] a draft) from `source`, drawn from `seed`.
pub fn generate(
    conn: &mut DbConnection,
    source: &ArticleSource,
    writer: Writer,
    count: u64,
    seed: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> Result<ArticleReport, StoreError> {
    if source.templates.is_empty() {
        return Err(StoreError::Conflict("no demo article's service exists to draw articles for".to_owned()));
    }
    let now = chrono::SubsecRound::trunc_subsecs(now, 6);
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let ctx = Context::new(Some(Actor::User(writer.author_id)), None, now);
    let mut journal = BulkJournal::default();
    let mut done = 0;
    while done < count {
        let size = CHUNK.min(count - done);
        let (mut rows, mut versions, mut terms) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..size {
            let (template, service_id, title, body) = source.draw(&mut rng, done + i);
            let published = rng.gen_range(0..DRAFT_EVERY) != 0;
            let indexed = index(&title, &template.keywords, &body);
            let article = Article {
                id: Uuid::now_v7(),
                service_id,
                owner_unit_id: writer.unit_id,
                author_id: writer.author_id,
                kind: template.kind,
                audience: template.audience,
                status: if published { ArticleStatus::Published } else { ArticleStatus::Draft },
                title,
                body,
                keywords: template.keywords.clone(),
                published_version: i32::from(published),
                published_at: published.then_some(now),
                review_due_at: published.then(|| now + chrono::Duration::days(180)),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            terms.extend(term_rows(&article, &indexed).collect::<Vec<_>>());
            // Created (which opens the article's chain), then published.
            let subject = Subject::Article(article.id);
            let created = Event::Article {
                change: ArticleChange::Created,
                from: None,
                to: ArticleStatus::Draft,
                detail: serde_json::json!({}),
            };
            journal.record(&ctx, Entry::new(subject, created).after(snapshot(&article)?))?;
            if published {
                let publish = Event::Article {
                    change: ArticleChange::Moved(ArticleMove::Publish),
                    from: Some(ArticleStatus::Draft),
                    to: ArticleStatus::Published,
                    detail: serde_json::json!({ "published_version": 1 }),
                };
                journal.record(&ctx, Entry::new(subject, publish))?;
            }
            if published {
                versions.push(NewVersionRow {
                    article_id: article.id,
                    number: 1,
                    title: article.title.clone(),
                    body: article.body.clone(),
                    kind: article.kind.as_str().to_owned(),
                    audience: article.audience.as_str().to_owned(),
                    keywords: keywords_to_stored(&article.keywords),
                    published_by: writer.author_id,
                    published_at: now.naive_utc(),
                });
            }
            rows.push(NewArticleRow {
                id: article.id,
                service_id,
                owner_unit_id: writer.unit_id,
                author_id: writer.author_id,
                kind: article.kind.as_str().to_owned(),
                audience: article.audience.as_str().to_owned(),
                status: article.status.as_str().to_owned(),
                keywords: keywords_to_stored(&article.keywords),
                title: article.title,
                body: article.body,
                term_count: i32::try_from(indexed.length).unwrap_or(i32::MAX),
                published_version: article.published_version,
                published_at: article.published_at.map(|t| t.naive_utc()),
                review_due_at: article.review_due_at.map(|t| t.naive_utc()),
                version: 1,
                created_at: now.naive_utc(),
                updated_at: now.naive_utc(),
            });
        }
        write_tx(conn, |conn| {
            insert_batch!(conn, knowledge_articles::table, rows.drain(..));
            insert_batch!(conn, knowledge_versions::table, versions.drain(..));
            insert_batch!(conn, knowledge_terms::table, terms.drain(..));
            journal.flush(conn)
        })?;
        done += size;
        progress(done);
    }
    stats::rebuild(conn)?;
    crate::db::planner::refresh_after_bulk_load(conn)?;
    Ok(ArticleReport { articles: done, seconds: started.elapsed().as_secs_f64() })
}
