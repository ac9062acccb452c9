//! Searching articles: each term's postings the caller may read, best
//! impact first and a bounded number of them (the database walks the
//! postings' `(term, published, impact)` order and stops), the collection's
//! statistics from [`super::stats`], and the domain's ranking
//! (`domain::knowledge::search`), alike on both backends.

use std::collections::BTreeMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::{find_many, stats, Article};
use crate::db::schema::knowledge_terms;
use crate::db::sql_types::DbId;
use crate::db::{DbConnection, StoreError};
use crate::domain::knowledge::access::ArticleVisibility;
use crate::domain::knowledge::markdown::plain_text;
use crate::domain::knowledge::search::{rank, Posting, Query};
use crate::domain::knowledge::snippet::highlight;

/// Words of a snippet.
const SNIPPET_WORDS: usize = 30;
/// The postings read per term: a common term's best ones by impact. Well
/// above any answer's length (20), so the top results are those of the whole
/// list unless an article ranks by many terms each too weak to be among
/// their best (docs/knowledge.md, "Search at scale").
pub const POSTINGS_PER_TERM: i64 = 300;
/// The postings one search reads at most: a query of many terms (words,
/// their synonyms and near spellings) reads fewer of each, never fewer
/// than [`MIN_POSTINGS_PER_TERM`].
pub const POSTINGS_PER_QUERY: i64 = 1_200;
/// Even a long query reads this many of each term's best postings.
pub const MIN_POSTINGS_PER_TERM: i64 = 100;

/// How many postings of each term a query of `terms` terms reads.
fn postings_per_term(terms: usize) -> i64 {
    let terms = i64::try_from(terms.max(1)).unwrap_or(i64::MAX);
    (POSTINGS_PER_QUERY / terms).clamp(MIN_POSTINGS_PER_TERM, POSTINGS_PER_TERM)
}

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

/// A posting as a search reads it: article, frequency, impact, the
/// article's length and service.
type PostingRow = (Uuid, i32, i32, i32, Uuid);

/// The best postings of `term` the caller may read in `scope`, with each
/// article's service: published articles' by their audience; the others'
/// (drafts, in review, retired) only for those who read them all or who
/// wrote or own them. Each is one range of the postings' index, read in
/// impact order until `limit`, joining nothing.
fn postings_of<'t>(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    scope: &SearchScope,
    term: &'t str,
    limit: i64,
) -> Result<Vec<(Posting<'t>, Uuid)>, StoreError> {
    let mut rows = read_range(conn, visibility, scope, term, true, limit)?;
    let reads_unpublished = visibility.all || visibility.author.is_some() || visibility.desk_of.is_some();
    if !scope.published_only && reads_unpublished {
        rows.extend(read_range(conn, visibility, scope, term, false, limit)?);
        // Two ranges, each best first: keep the best of both.
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        rows.truncate(usize::try_from(limit).unwrap_or(0));
    }
    Ok(rows
        .into_iter()
        .map(|(article_id, frequency, _, length, service)| {
            let posting = Posting {
                article_id,
                term,
                frequency: u32::try_from(frequency).unwrap_or(0),
                article_length: u32::try_from(length).unwrap_or(0),
            };
            (posting, service)
        })
        .collect())
}

/// One range of `term`'s postings: those of published articles, or of the
/// others, that the caller may read.
fn read_range(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    scope: &SearchScope,
    term: &str,
    published: bool,
    limit: i64,
) -> Result<Vec<PostingRow>, StoreError> {
    use knowledge_terms as t;
    let mut q = t::table
        .filter(t::term.eq(term))
        .filter(t::published.eq(published))
        .select((t::article_id, t::frequency, t::impact, t::article_length, t::service_id))
        .into_boxed();
    if !visibility.all {
        let audiences: Vec<&str> = visibility.audiences.iter().map(|a| a.as_str()).collect();
        q = q.filter(t::audience.eq_any(audiences));
        if !published {
            // What `visible_condition` says of an article not published.
            q = match (visibility.author, visibility.desk_of) {
                (Some(author), Some(unit)) => {
                    q.filter(t::author_id.eq(DbId(author)).or(t::owner_unit_id.eq(DbId(unit))))
                }
                (Some(author), None) => q.filter(t::author_id.eq(DbId(author))),
                (None, Some(unit)) => q.filter(t::owner_unit_id.eq(DbId(unit))),
                (None, None) => return Ok(Vec::new()),
            };
        }
    }
    if let Some(service) = scope.service_id {
        q = q.filter(t::service_id.eq(DbId(service)));
    }
    Ok(q.order((t::impact.desc(), t::article_id.asc())).limit(limit).load(conn)?)
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
    let unknown = query.unknown(&known);
    for word in &unknown {
        let words = stats::vocabulary(conn, word)?;
        query.correct(word, &words);
    }
    if !unknown.is_empty() {
        frequencies = stats::frequencies(conn, &query.terms())?;
    }
    let limit = postings_per_term(frequencies.len());
    let mut postings = Vec::new();
    let mut services: BTreeMap<Uuid, Uuid> = BTreeMap::new();
    for term in frequencies.keys() {
        for (posting, service) in postings_of(conn, visibility, scope, term, limit)? {
            // Only a boost asks for an article's service.
            if scope.boost_service.is_some() {
                services.insert(posting.article_id, service);
            }
            postings.push(posting);
        }
    }
    let boost = |id: Uuid| match (scope.boost_service, services.get(&id)) {
        (Some(service), Some(of)) if service == *of => 1.5,
        _ => 1.0,
    };
    let ranked = rank(&query, &postings, &frequencies, stats::collection(conn)?, boost);
    let top: Vec<(Uuid, f64)> = ranked.into_iter().take(scope.top).collect();
    // The hits' articles in one read, then in rank order.
    let mut articles = find_many(conn, top.iter().map(|(id, _)| *id))?;
    let wanted = query.terms();
    top.into_iter()
        .map(|(id, score)| {
            let article = articles.remove(&id).ok_or(StoreError::NotFound)?;
            let title_html = highlight(&article.title, &wanted, None);
            let snippet_html = highlight(&plain_text(&article.body), &wanted, Some(SNIPPET_WORDS));
            Ok(Hit { article, score, title_html, snippet_html })
        })
        .collect()
}
