//! Searching articles: the index gives the candidates (by term), the
//! caller's visibility filters them in the query, and the ranking is the
//! domain's (`domain::knowledge::search`), alike on both backends.

use std::collections::{BTreeMap, BTreeSet};

use diesel::dsl::{count_star, sum};
use diesel::prelude::*;
use uuid::Uuid;

use super::{find_any, visible_condition, Article};
use crate::db::schema::{knowledge_articles, knowledge_terms};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::knowledge::access::ArticleVisibility;
use crate::domain::knowledge::markdown::plain_text;
use crate::domain::knowledge::search::{rank, Collection, Posting, Query};
use crate::domain::knowledge::snippet::highlight;
use crate::domain::knowledge::ArticleStatus;

/// Words of a snippet.
const SNIPPET_WORDS: usize = 30;
/// At most this many indexed terms are weighed as near spellings of one word.
const VOCABULARY_LIMIT: i64 = 20_000;
/// Candidates checked for visibility per query.
const VISIBILITY_CHUNK: usize = 500;

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

/// The terms of `terms` the index holds.
fn known(conn: &mut DbConnection, terms: &BTreeSet<String>) -> Result<BTreeSet<String>, StoreError> {
    let terms: Vec<&String> = terms.iter().collect();
    let found: Vec<String> = knowledge_terms::table
        .filter(knowledge_terms::term.eq_any(terms))
        .select(knowledge_terms::term)
        .distinct()
        .load(conn)?;
    Ok(found.into_iter().collect())
}

/// Indexed terms that share the first letter of `written` (a typo seldom
/// falls on it), the candidates for a near spelling.
fn vocabulary(conn: &mut DbConnection, written: &str) -> Result<Vec<String>, StoreError> {
    let Some(first) = written.chars().next() else { return Ok(Vec::new()) };
    let Some(next) = char::from_u32(first as u32 + 1) else { return Ok(Vec::new()) };
    Ok(knowledge_terms::table
        .filter(knowledge_terms::term.ge(first.to_string()))
        .filter(knowledge_terms::term.lt(next.to_string()))
        .select(knowledge_terms::term)
        .distinct()
        .limit(VOCABULARY_LIMIT)
        .load(conn)?)
}

/// The candidates among `ids` that the caller may read in `scope`: their
/// weighted length and service.
fn readable(
    conn: &mut DbConnection,
    visibility: &ArticleVisibility,
    scope: &SearchScope,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, (u32, Uuid)>, StoreError> {
    use knowledge_articles as k;
    let mut found = BTreeMap::new();
    for chunk in ids.chunks(VISIBILITY_CHUNK) {
        let mut q =
            k::table.filter(k::id.eq_any(db_ids(chunk))).select((k::id, k::term_count, k::service_id)).into_boxed();
        if let Some(condition) = visible_condition(visibility) {
            q = q.filter(condition);
        }
        if scope.published_only {
            q = q.filter(k::status.eq(ArticleStatus::Published.as_str()));
        }
        if let Some(service) = scope.service_id {
            q = q.filter(k::service_id.eq(DbId(service)));
        }
        for (id, length, service) in q.load::<(Uuid, i32, Uuid)>(conn)? {
            found.insert(id, (u32::try_from(length).unwrap_or(0), service));
        }
    }
    Ok(found)
}

fn collection(conn: &mut DbConnection) -> Result<Collection, StoreError> {
    let (articles, total): (i64, Option<i64>) =
        knowledge_articles::table.select((count_star(), sum(knowledge_articles::term_count))).first(conn)?;
    let articles = u64::try_from(articles).unwrap_or(0);
    let average_length = total.unwrap_or(0) as f64 / articles.max(1) as f64;
    Ok(Collection { articles, average_length })
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
    let known_terms = known(conn, &query.terms())?;
    for unknown in query.unknown(&known_terms) {
        let words = vocabulary(conn, &unknown)?;
        query.correct(&unknown, &words);
    }
    let terms: Vec<String> = query.terms().into_iter().collect();
    let postings: Vec<(String, Uuid, i32)> = knowledge_terms::table
        .filter(knowledge_terms::term.eq_any(&terms))
        .select((knowledge_terms::term, knowledge_terms::article_id, knowledge_terms::frequency))
        .load(conn)?;
    let mut frequencies: BTreeMap<String, u64> = BTreeMap::new();
    for (term, ..) in &postings {
        *frequencies.entry(term.clone()).or_default() += 1;
    }
    let ids: Vec<Uuid> = postings.iter().map(|(_, id, _)| *id).collect::<BTreeSet<_>>().into_iter().collect();
    let readable = readable(conn, visibility, scope, &ids)?;
    let postings: Vec<Posting> = postings
        .into_iter()
        .filter_map(|(term, article_id, frequency)| {
            let (article_length, _) = readable.get(&article_id)?;
            let frequency = u32::try_from(frequency).ok()?;
            Some(Posting { article_id, term, frequency, article_length: *article_length })
        })
        .collect();
    let boost = |id: Uuid| match (scope.boost_service, readable.get(&id)) {
        (Some(service), Some((_, of))) if service == *of => 1.5,
        _ => 1.0,
    };
    let ranked = rank(&query, &postings, &frequencies, collection(conn)?, boost);
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
