//! Ranked search over articles: a query read into groups of alternative
//! terms (the word's stem, its synonyms, and near spellings when the stem
//! is unknown), scored with BM25 over the articles' weighted terms. The
//! store fetches candidates and statistics; the ranking is decided here,
//! once, so that both backends give the same order.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::spelling::near_edits;
use super::terms::{term, words};

/// BM25's term-frequency saturation and length normalisation (the usual values).
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A near spelling counts less than the word written.
const TYPO_WEIGHT: f64 = 0.7;
/// At most this many words of a query are read.
const MAX_QUERY_WORDS: usize = 12;
/// At most this many near spellings stand in for a word the index lacks.
pub const MAX_NEAR_SPELLINGS: usize = 3;

/// Groups of words that mean the same to a searcher; each word is stemmed
/// as the index stems it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms(Vec<BTreeSet<String>>);

impl Synonyms {
    pub fn new<G, W>(groups: G) -> Self
    where
        G: IntoIterator<Item = W>,
        W: IntoIterator,
        W::Item: AsRef<str>,
    {
        let groups = groups
            .into_iter()
            .map(|group| {
                // A synonym is one word: `e-mail` is `email`, not `e` and `mail`.
                group.into_iter().filter_map(|w| term(&words(w.as_ref()).collect::<String>())).collect::<BTreeSet<_>>()
            })
            .filter(|group| group.len() > 1)
            .collect();
        Self(groups)
    }

    fn of<'a>(&'a self, term: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.0.iter().filter(move |g| g.contains(term)).flatten()
    }
}

/// One term a query looks for, and how much a match counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub term: String,
    pub weight: f64,
}

/// A query: one group of alternatives per meaningful word written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    groups: Vec<Vec<Alternative>>,
}

impl Query {
    pub fn parse(text: &str, synonyms: &Synonyms) -> Self {
        let mut seen = BTreeSet::new();
        let groups = words(text)
            .filter_map(|w| term(&w))
            .filter(|t| seen.insert(t.clone()))
            .take(MAX_QUERY_WORDS)
            .map(|t| {
                let mut group = vec![Alternative { term: t.clone(), weight: 1.0 }];
                group
                    .extend(synonyms.of(&t).filter(|s| **s != t).map(|s| Alternative { term: s.clone(), weight: 1.0 }));
                group
            })
            .collect();
        Self { groups }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every term the query looks for.
    pub fn terms(&self) -> BTreeSet<String> {
        self.groups.iter().flatten().map(|a| a.term.clone()).collect()
    }

    /// The written terms none of whose alternatives is in the index
    /// (`known`): those are read as typos.
    pub fn unknown(&self, known: &BTreeSet<String>) -> Vec<String> {
        self.groups.iter().filter(|g| !g.iter().any(|a| known.contains(&a.term))).map(|g| g[0].term.clone()).collect()
    }

    /// Adds, to the group of each unknown term, the indexed terms near it
    /// (`vocabulary`: terms with the number of articles holding each): at
    /// most [`MAX_NEAR_SPELLINGS`], the fewest edits away first, then the
    /// most used, since every alternative is one more read of postings.
    pub fn correct(&mut self, unknown: &str, vocabulary: &[(String, u64)]) {
        let mut near: Vec<(usize, u64, &String)> = vocabulary
            .iter()
            .filter_map(|(v, articles)| near_edits(unknown, v).map(|edits| (edits, *articles, v)))
            .collect();
        near.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        near.truncate(MAX_NEAR_SPELLINGS);
        if let Some(group) = self.groups.iter_mut().find(|g| g[0].term == unknown) {
            group.extend(near.into_iter().map(|(_, _, v)| Alternative { term: v.clone(), weight: TYPO_WEIGHT }));
        }
    }
}

/// The collection's statistics BM25 needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Collection {
    pub articles: u64,
    pub average_length: f64,
}

/// One indexed term of one candidate article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting<'a> {
    pub article_id: Uuid,
    pub term: &'a str,
    pub frequency: u32,
    pub article_length: u32,
}

/// The weighted length a posting's impact is measured against (about a
/// short article's), so that it is fixed when written.
const REFERENCE_LENGTH: f64 = 100.0;

/// A posting's impact: its BM25 term-frequency part (0 to 1 000 000)
/// against [`REFERENCE_LENGTH`], fixed when the article is indexed. A
/// search reads each term's postings in this order and stops after its
/// bound: the postings that weigh most in the score come first.
pub fn impact(frequency: u32, article_length: u32) -> i32 {
    let tf = f64::from(frequency);
    let norm = K1 * (1.0 - B + B * f64::from(article_length) / REFERENCE_LENGTH);
    // Below 1 000 000 for any frequency, so within i32.
    (1_000_000.0 * tf / (tf + norm)) as i32
}

fn idf(collection: Collection, documents_with_term: u64) -> f64 {
    let (n, df) = (collection.articles as f64, documents_with_term as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The candidates ranked by BM25, best first; equal scores in id order, so
/// that every backend gives the same order. `boost` multiplies the score of
/// the articles it names (the service a reporter is filing about).
pub fn rank(
    query: &Query,
    postings: &[Posting],
    frequencies: &BTreeMap<String, u64>,
    collection: Collection,
    boost: impl Fn(Uuid) -> f64,
) -> Vec<(Uuid, f64)> {
    let mut by_article: Vec<&Posting> = postings.iter().collect();
    by_article.sort_by_key(|p| p.article_id);
    let average = collection.average_length.max(1.0);
    let idf_of = |term: &str| idf(collection, frequencies.get(term).copied().unwrap_or(1));
    let groups: Vec<Vec<(&str, f64)>> = query
        .groups
        .iter()
        .map(|group| group.iter().map(|alt| (alt.term.as_str(), alt.weight * idf_of(&alt.term))).collect())
        .collect();
    let mut scored: Vec<(Uuid, f64)> = by_article
        .chunk_by(|a, b| a.article_id == b.article_id)
        .map(|found| {
            // Per word written, the best of its alternatives found.
            let score: f64 = groups
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .filter_map(|(term, weight)| found.iter().find(|p| p.term == *term).map(|p| (weight, p)))
                        .map(|(weight, p)| {
                            let tf = f64::from(p.frequency);
                            let norm = K1 * (1.0 - B + B * f64::from(p.article_length) / average);
                            weight * tf * (K1 + 1.0) / (tf + norm)
                        })
                        .fold(0.0, f64::max)
                })
                .sum();
            (found[0].article_id, score * boost(found[0].article_id))
        })
        .filter(|(_, score)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synonyms() -> Synonyms {
        Synonyms::new([vec!["masuk", "login"], vec!["sandi", "password"], vec!["surel", "email"]])
    }

    #[test]
    fn a_query_groups_each_word_with_its_synonyms() {
        let query = Query::parse("gk bisa login simpeg", &synonyms());
        assert_eq!(query.terms(), BTreeSet::from(["login".into(), "masuk".into(), "simpeg".into()]));
    }

    #[test]
    fn impact_grows_with_frequency_and_falls_with_length() {
        assert!(impact(3, 100) > impact(1, 100));
        assert!(impact(1, 50) > impact(1, 400));
        assert!(impact(u32::MAX, 1) < 1_000_000);
        assert_eq!(impact(1, 100), 454_545, "as the migration's backfill computes it");
    }

    #[test]
    fn a_synonym_written_with_a_hyphen_is_one_word() {
        let synonyms = Synonyms::new([vec!["surel", "e-mail"]]);
        assert_eq!(Query::parse("surel", &synonyms).terms(), BTreeSet::from(["surel".into(), "email".into()]));
    }

    #[test]
    fn an_unknown_word_takes_its_near_spellings() {
        let mut query = Query::parse("pasword", &synonyms());
        let unknown = query.unknown(&BTreeSet::from(["password".to_owned()]));
        assert_eq!(unknown, ["pasword"]);
        query.correct("pasword", &[("password".to_owned(), 5), ("passport".to_owned(), 9)]);
        assert!(query.terms().contains("password"));
        assert!(!query.terms().contains("passport"), "two edits from a seven-letter word");
    }

    fn posting(id: u128, term: &str, frequency: u32, length: u32) -> Posting<'_> {
        Posting { article_id: Uuid::from_u128(id), term, frequency, article_length: length }
    }

    #[test]
    fn the_nearest_and_most_used_spellings_stand_in_and_no_more() {
        let mut query = Query::parse("printr", &Synonyms::default());
        let vocabulary: Vec<(String, u64)> =
            [("printer", 3), ("prints", 9), ("print", 1), ("printe", 2), ("pointr", 7)]
                .iter()
                .map(|(t, n)| ((*t).to_owned(), *n))
                .collect();
        query.correct("printr", &vocabulary);
        let alternatives: Vec<&str> = query.groups[0].iter().skip(1).map(|a| a.term.as_str()).collect();
        assert_eq!(alternatives, ["prints", "pointr", "printer"], "one edit each; the most used first; at most three");
    }

    #[test]
    fn rarer_terms_and_shorter_articles_rank_higher_and_ties_keep_id_order() {
        let query = Query::parse("kirim surel", &synonyms());
        let postings = [
            posting(1, "kirim", 1, 10),
            posting(2, "kirim", 1, 10),
            posting(2, "email", 1, 10),
            posting(3, "kirim", 1, 10),
            posting(4, "kirim", 1, 100),
        ];
        let df = BTreeMap::from([("kirim".to_owned(), 4), ("email".to_owned(), 1)]);
        let collection = Collection { articles: 10, average_length: 20.0 };
        let ranked: Vec<u128> =
            rank(&query, &postings, &df, collection, |_| 1.0).iter().map(|(id, _)| id.as_u128()).collect();
        assert_eq!(ranked, [2, 1, 3, 4]);
        let boosted = rank(&query, &postings, &df, collection, |id| if id.as_u128() == 3 { 4.0 } else { 1.0 });
        assert_eq!(boosted[0].0.as_u128(), 3);
    }
}
