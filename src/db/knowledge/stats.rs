//! What BM25 needs to know about the whole collection, kept as articles are
//! indexed instead of counted per query: how many articles hold each term
//! (`knowledge_term_stats`, also the vocabulary typos are corrected
//! against) and the collection's size (`knowledge_collection`).

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::schema::{knowledge_collection, knowledge_term_stats};
use crate::db::{DbConnection, StoreError};
use crate::domain::knowledge::search::Collection;

/// At most this many terms are weighed as near spellings of one word.
const VOCABULARY_LIMIT: i64 = 20_000;

/// Adds `delta` (+1 or -1) to the article counts of `terms`; a term no
/// article holds any more leaves the vocabulary.
pub fn count_terms(conn: &mut DbConnection, terms: &[&String], delta: i32) -> Result<(), StoreError> {
    use knowledge_term_stats as s;
    if terms.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = terms.iter().map(|t| (s::term.eq(t.as_str()), s::articles.eq(delta))).collect();
    // The one backend `match`: upsert is typed per backend.
    for chunk in rows.chunks(crate::db::batch::ROWS_PER_INSERT) {
        let chunk = chunk.to_vec();
        match conn {
            DbConnection::Postgres(pg) => diesel::insert_into(s::table)
                .values(chunk)
                .on_conflict(s::term)
                .do_update()
                .set(s::articles.eq(s::articles + excluded(s::articles)))
                .execute(pg)?,
            DbConnection::Sqlite(lite) => diesel::insert_into(s::table)
                .values(chunk)
                .on_conflict(s::term)
                .do_update()
                .set(s::articles.eq(s::articles + excluded(s::articles)))
                .execute(lite)?,
        };
    }
    if delta < 0 {
        diesel::delete(s::table.filter(s::articles.le(0))).execute(conn)?;
    }
    Ok(())
}

/// Adds `articles` and `length` to the collection's size.
pub fn grow(conn: &mut DbConnection, articles: i64, length: i64) -> Result<(), StoreError> {
    use knowledge_collection as c;
    diesel::update(c::table.find(1))
        .set((c::articles.eq(c::articles + articles), c::total_length.eq(c::total_length + length)))
        .execute(conn)?;
    Ok(())
}

/// The collection's size.
pub fn collection(conn: &mut DbConnection) -> Result<Collection, StoreError> {
    use knowledge_collection as c;
    let (articles, total): (i64, i64) =
        c::table.find(1).select((c::articles, c::total_length)).first(conn).optional()?.unwrap_or((0, 0));
    let articles = u64::try_from(articles).unwrap_or(0);
    Ok(Collection { articles, average_length: total.max(0) as f64 / articles.max(1) as f64 })
}

/// How many articles hold each of `terms` that the index holds.
pub fn frequencies(conn: &mut DbConnection, terms: &BTreeSet<String>) -> Result<BTreeMap<String, u64>, StoreError> {
    use knowledge_term_stats as s;
    let found: Vec<(String, i32)> =
        s::table.filter(s::term.eq_any(terms.iter().collect::<Vec<_>>())).select((s::term, s::articles)).load(conn)?;
    Ok(found.into_iter().map(|(term, n)| (term, u64::try_from(n).unwrap_or(0))).collect())
}

/// Indexed terms that share the first letter of `written` (a typo seldom
/// falls on it), with the number of articles holding each: the candidates
/// for a near spelling.
pub fn vocabulary(conn: &mut DbConnection, written: &str) -> Result<Vec<(String, u64)>, StoreError> {
    use knowledge_term_stats as s;
    let Some(first) = written.chars().next() else { return Ok(Vec::new()) };
    let Some(next) = char::from_u32(first as u32 + 1) else { return Ok(Vec::new()) };
    let found: Vec<(String, i32)> = s::table
        .filter(s::term.ge(first.to_string()))
        .filter(s::term.lt(next.to_string()))
        .select((s::term, s::articles))
        .limit(VOCABULARY_LIMIT)
        .load(conn)?;
    Ok(found.into_iter().map(|(term, n)| (term, u64::try_from(n).unwrap_or(0))).collect())
}

/// Counts everything again from the index (after a bulk load).
pub fn rebuild(conn: &mut DbConnection) -> Result<(), StoreError> {
    diesel::sql_query("DELETE FROM knowledge_term_stats").execute(conn)?;
    diesel::sql_query(
        "INSERT INTO knowledge_term_stats (term, articles) SELECT term, COUNT(*) FROM knowledge_terms GROUP BY term",
    )
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE knowledge_collection SET articles = (SELECT COUNT(*) FROM knowledge_articles), \
         total_length = (SELECT COALESCE(SUM(term_count), 0) FROM knowledge_articles)",
    )
    .execute(conn)?;
    Ok(())
}
