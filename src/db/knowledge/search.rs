//! Searching articles: each term's postings the caller may read, best
//! impact first and at most [`POSTINGS_PER_TERM`] of them (the database
//! walks the `(term, impact)` index and stops), the collection's
//! statistics from [`super::stats`], and the domain's ranking
//! (`domain::knowledge::search`), alike on both backends.

use std::collections::BTreeMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::{find_any, stats, visible_condition, Article};
use crate::db::schema::{knowledge_articles, knowledge_terms};
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::knowledge::access::ArticleVisibility;
use crate::domain::knowledge::markdown::plain_text;
use crate::domain::knowledge::search::{rank, Posting, Query};
use crate::domain::knowledge::snippet::highlight;
use crate::domain::knowledge::ArticleStatus;

/// Words of a snippet.
const SNIPPET_WORDS: usize = 30;
/// The postings read per term: a common term's best ones by impact. Well
/// above any answer's length (20), so the top results are those of the whole
/// list unless an article ranks by many terms each too weak to be among
/// their best (docs/knowledge.md, "Search at scale").
pub const POSTINGS_PER_TERM: i64 = 300;

/// What a search looks in.
#[derive(Debug, Clone, Default)]
pub struct SearchScope {
    /// Published articles only (suggestions at intake).
    pub published_only: bool,
    pub service_id: Option<Uuid>,
    /// Articles about this service rank higher.
    pub boost_service: Option<Uuid>,
    /// How many hits to return.
    pub top: usize,
}

/// One found article, with its title and a snippet highlighted (HTML).
#[derive(Debug, Clone)]
pub struct Hit {
    pub article: Article,
    pub score: f64,
    pub title_html: String,
    pub snippet_html: String,
}

/// The best postings of `term` among the articles the caller may read in
/// `scope`, with each article's service.
fn postings_of(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    scope: &SearchScope,
    term: &str,
) -> Result<Vec<(Posting, Uuid)>, StoreError> {
    use knowledge_articles as k;
    use knowledge_terms as t;
    let mut q = t::table
        .inner_join(k::table)
        .filter(t::term.eq(term))
        .select((t::article_id, t::frequency, k::term_count, k::service_id))
        .into_boxed();
    if let Some(condition) = visible_condition(visibility) {
        q = q.filter(condition);
    }
    if scope.published_only {
        // Compared as an expression, not a column: with the column SQLite
        // (without statistics) starts from the status index, reading every
        // published article, instead of walking the term's postings.
        q = q.filter(k::status.concat("").eq(ArticleStatus::Published.as_str()));
    }
    if let Some(service) = scope.service_id {
        q = q.filter(k::service_id.eq(DbId(service)));
    }
    let rows: Vec<(Uuid, i32, i32, Uuid)> =
        q.order((t::impact.desc(), t::article_id.asc())).limit(POSTINGS_PER_TERM).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(article_id, frequency, length, service)| {
            let posting = Posting {
                article_id,
                term: term.to_owned(),
                frequency: u32::try_from(frequency).unwrap_or(0),
                article_length: u32::try_from(length).unwrap_or(0),
            };
            (posting, service)
        })
        .collect())
}

/// The articles the caller may read that match `query`, best first.
pub fn search(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    mut query: Query,
    scope: &SearchScope,
) -> Result<Vec<Hit>, StoreError> {
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let mut frequencies = stats::frequencies(conn, &query.terms())?;
    let known = frequencies.keys().cloned().collect();
    for unknown in query.unknown(&known) {
        let words = stats::vocabulary(conn, &unknown)?;
        query.correct(&unknown, &words);
    }
    frequencies = stats::frequencies(conn, &query.terms())?;
    let mut postings = Vec::new();
    let mut services: BTreeMap<Uuid, Uuid> = BTreeMap::new();
    for term in frequencies.keys() {
        for (posting, service) in postings_of(conn, visibility, scope, term)? {
            services.insert(posting.article_id, service);
            postings.push(posting);
        }
    }
    let boost = |id: Uuid| match (scope.boost_service, services.get(&id)) {
        (Some(service), Some(of)) if service == *of => 1.5,
        _ => 1.0,
    };
    let ranked = rank(&query, &postings, &frequencies, stats::collection(conn)?, boost);
    let wanted = query.terms();
    ranked
        .into_iter()
        .take(scope.top)
        .map(|(id, score)| {
            let article = find_any(conn, id)?;
            let title_html = highlight(&article.title, &wanted, None);
            let snippet_html = highlight(&plain_text(&article.body), &wanted, Some(SNIPPET_WORDS));
            Ok(Hit { article, score, title_html, snippet_html })
        })
        .collect()
}
