//! An article's postings: one row per indexed term, carrying what a search
//! needs to rank it and to decide who may read it (the article's length,
//! service and audience, whether it is published and, while it is not, its
//! author and owning unit), so that a search reads one index range per term
//! and joins nothing (docs/knowledge.md, "Search at scale"). Written when
//! the article's content is, and its reach refreshed when it moves.

use std::collections::BTreeSet;

use diesel::prelude::*;
use uuid::Uuid;

use super::{stats, Article};
use crate::db::schema::{knowledge_articles, knowledge_terms};
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::knowledge::search::impact;
use crate::domain::knowledge::terms::{index, IndexedTerms};
use crate::domain::knowledge::ArticleStatus;

/// One indexed term of an article.
#[derive(Insertable)]
#[diesel(table_name = knowledge_terms)]
pub(crate) struct TermRow {
    pub term: String,
    #[diesel(serialize_as = DbId)]
    pub article_id: Uuid,
    pub frequency: i32,
    pub impact: i32,
    pub published: bool,
    pub article_length: i32,
    pub audience: &'static str,
    #[diesel(serialize_as = DbId)]
    pub service_id: Uuid,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    pub owner_unit_id: Option<Uuid>,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    pub author_id: Option<Uuid>,
}

/// Who may read an article's postings, as they record it: a published
/// article's by its audience alone; another's also by author and unit.
struct Reach {
    published: bool,
    owner_unit_id: Option<Uuid>,
    author_id: Option<Uuid>,
}

fn reach_of(article: &Article) -> Reach {
    let published = article.status == ArticleStatus::Published;
    Reach {
        published,
        owner_unit_id: (!published).then_some(article.owner_unit_id),
        author_id: (!published).then_some(article.author_id),
    }
}

fn length_of(indexed: &IndexedTerms) -> i32 {
    i32::try_from(indexed.length).unwrap_or(i32::MAX)
}

/// The rows of an article's indexed terms.
pub(crate) fn term_rows<'a>(article: &'a Article, indexed: &'a IndexedTerms) -> impl Iterator<Item = TermRow> + 'a {
    let reach = reach_of(article);
    indexed.frequencies.iter().map(move |(term, frequency)| TermRow {
        term: term.clone(),
        article_id: article.id,
        frequency: i32::try_from(*frequency).unwrap_or(i32::MAX),
        impact: impact(*frequency, indexed.length),
        published: reach.published,
        article_length: length_of(indexed),
        audience: article.audience.as_str(),
        service_id: article.service_id,
        owner_unit_id: reach.owner_unit_id,
        author_id: reach.author_id,
    })
}

/// Replaces an article's postings with those of its current content, and
/// keeps the collection's statistics (`new`: the article was just written).
pub(crate) fn reindex(conn: &mut DbConnection, article: &Article, new: bool) -> Result<(), StoreError> {
    use knowledge_terms as t;
    let indexed = index(&article.title, &article.keywords, &article.body);
    let old: BTreeSet<String> =
        t::table.filter(t::article_id.eq(DbId(article.id))).select(t::term).load::<String>(conn)?.into_iter().collect();
    let old_length: i32 =
        knowledge_articles::table.find(DbId(article.id)).select(knowledge_articles::term_count).first(conn)?;
    diesel::delete(t::table.filter(t::article_id.eq(DbId(article.id)))).execute(conn)?;
    crate::db::batch::insert_batch!(conn, t::table, term_rows(article, &indexed));
    let length = length_of(&indexed);
    diesel::update(knowledge_articles::table.find(DbId(article.id)))
        .set(knowledge_articles::term_count.eq(length))
        .execute(conn)?;
    let gone: Vec<&String> = old.iter().filter(|term| !indexed.frequencies.contains_key(*term)).collect();
    let came: Vec<&String> = indexed.frequencies.keys().filter(|term| !old.contains(*term)).collect();
    stats::count_terms(conn, &gone, -1)?;
    stats::count_terms(conn, &came, 1)?;
    stats::grow(conn, i64::from(new), i64::from(length) - i64::from(old_length))
}

/// Brings the postings' record of who may read the article up to date
/// after it moved (published, retired, back to a draft).
pub(crate) fn refresh_reach(conn: &mut DbConnection, article: &Article) -> Result<(), StoreError> {
    use knowledge_terms as t;
    let reach = reach_of(article);
    diesel::update(t::table.filter(t::article_id.eq(DbId(article.id))))
        .set((
            t::published.eq(reach.published),
            t::audience.eq(article.audience.as_str()),
            t::owner_unit_id.eq(OptionalDbId(reach.owner_unit_id)),
            t::author_id.eq(OptionalDbId(reach.author_id)),
        ))
        .execute(conn)?;
    Ok(())
}
