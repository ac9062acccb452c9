//! A collection of articles kept as text (`seed/knowledge/articles.md`: the
//! demo's articles and the collection search quality is measured on), and
//! the labelled queries read against it (`seed/knowledge/queries.txt`).
//! Read here once, so the demo seed, the quality test and the generator
//! read them alike.

use super::{ArticleAudience, ArticleKind};

/// One article of a collection, named by its slug.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedArticle {
    pub slug: String,
    /// The code of the service it concerns (`SIMPEG`).
    pub service: String,
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub keywords: Vec<String>,
    pub title: String,
    pub body: String,
}

/// One query as a reporter writes it, and the slugs of the articles that
/// answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledQuery {
    pub text: String,
    pub relevant: Vec<String>,
}

/// Why a collection's text could not be read: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CorpusError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> CorpusError {
    CorpusError { line, message: message.into() }
}

/// The fields of one article being read.
#[derive(Default)]
struct Fields {
    service: Option<String>,
    kind: Option<ArticleKind>,
    audience: Option<ArticleAudience>,
    keywords: Vec<String>,
    title: Option<String>,
}

impl Fields {
    fn set(&mut self, line: usize, text: &str) -> Result<(), CorpusError> {
        let (name, value) = text.split_once(':').ok_or_else(|| error(line, "expected `field: value`"))?;
        let value = value.trim();
        match name.trim() {
            "service" => self.service = Some(value.to_owned()),
            "kind" => self.kind = Some(value.parse().map_err(|_| error(line, format!("unknown kind {value}")))?),
            "audience" => {
                self.audience = Some(value.parse().map_err(|_| error(line, format!("unknown audience {value}")))?)
            }
            "keywords" => self.keywords = value.split(',').map(|k| k.trim().to_owned()).collect(),
            "title" => self.title = Some(value.to_owned()),
            other => return Err(error(line, format!("unknown field {other}"))),
        }
        Ok(())
    }

    fn finish(self, line: usize, slug: String, body: &[&str]) -> Result<SeedArticle, CorpusError> {
        let missing = |what: &str| error(line, format!("{slug} has no {what}"));
        Ok(SeedArticle {
            service: self.service.ok_or_else(|| missing("service"))?,
            kind: self.kind.ok_or_else(|| missing("kind"))?,
            audience: self.audience.ok_or_else(|| missing("audience"))?,
            keywords: self.keywords,
            title: self.title.ok_or_else(|| missing("title"))?,
            body: body.join("\n").trim().to_owned(),
            slug,
        })
    }
}

/// Reads a collection: each article is `=== slug`, its `field: value`
/// lines, `---`, then its Markdown body up to the next `=== `. Text before
/// the first article (a comment) is skipped.
pub fn parse_articles(text: &str) -> Result<Vec<SeedArticle>, CorpusError> {
    let mut articles = Vec::new();
    let mut current: Option<(usize, String, Fields, Option<Vec<&str>>)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if let Some(slug) = line.strip_prefix("=== ") {
            if let Some((start, slug, fields, body)) = current.take() {
                articles.push(fields.finish(start, slug, &body.unwrap_or_default())?);
            }
            current = Some((number, slug.trim().to_owned(), Fields::default(), None));
            continue;
        }
        match current.as_mut() {
            None => {}
            Some((_, _, _, Some(body))) => body.push(line),
            Some((_, _, _, body)) if line.trim() == "---" => *body = Some(Vec::new()),
            Some(_) if line.trim().is_empty() => {}
            Some((_, _, fields, None)) => fields.set(number, line)?,
        }
    }
    if let Some((start, slug, fields, body)) = current {
        articles.push(fields.finish(start, slug, &body.unwrap_or_default())?);
    }
    Ok(articles)
}

/// Reads labelled queries: `slug, slug | query` a line; `#` starts a comment.
pub fn parse_queries(text: &str) -> Result<Vec<LabelledQuery>, CorpusError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(index, line)| {
            let (slugs, query) = line.split_once('|').ok_or_else(|| error(index + 1, "expected `slugs | query`"))?;
            let relevant: Vec<String> =
                slugs.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
            if relevant.is_empty() || query.trim().is_empty() {
                return Err(error(index + 1, "a query needs its text and at least one article"));
            }
            Ok(LabelledQuery { text: query.trim().to_owned(), relevant })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "comment\n\n=== a\nservice: SIMPEG\nkind: faq\naudience: desks\nkeywords: x, y z\n\
                       title: Judul A\n---\nBaris satu.\n\nBaris dua.\n\n=== b\nservice: SIAK\nkind: guide\n\
                       audience: everyone\ntitle: Judul B\n---\nIsi B.\n";

    #[test]
    fn articles_are_read_with_their_fields_and_bodies() {
        let articles = parse_articles(TWO).unwrap();
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].slug, "a");
        assert_eq!(articles[0].kind, ArticleKind::Faq);
        assert_eq!(articles[0].audience, ArticleAudience::Desks);
        assert_eq!(articles[0].keywords, ["x", "y z"]);
        assert_eq!(articles[0].body, "Baris satu.\n\nBaris dua.");
        assert_eq!((articles[1].service.as_str(), articles[1].body.as_str()), ("SIAK", "Isi B."));
    }

    #[test]
    fn a_missing_or_unknown_field_names_its_line() {
        let err = parse_articles("=== a\nservice: X\nkind: poem\n").unwrap_err();
        assert_eq!(err.line, 3);
        let err = parse_articles("=== a\nservice: X\n---\nbody").unwrap_err();
        assert!(err.message.contains("no kind"), "{err}");
    }

    #[test]
    fn queries_name_their_articles() {
        let queries = parse_queries("# c\na, b | lupa pw\n\nc|x\n").unwrap();
        assert_eq!(queries[0], LabelledQuery { text: "lupa pw".into(), relevant: vec!["a".into(), "b".into()] });
        assert_eq!(queries[1].relevant, ["c"]);
        assert_eq!(parse_queries("no bar").unwrap_err().line, 1);
    }

    #[test]
    fn the_kept_collection_and_queries_read_and_agree() {
        let articles = parse_articles(include_str!("../../../seed/knowledge/articles.md")).unwrap();
        let queries = parse_queries(include_str!("../../../seed/knowledge/queries.txt")).unwrap();
        assert!(articles.len() >= 40 && queries.len() >= 60);
        let slugs: std::collections::BTreeSet<&str> = articles.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs.len(), articles.len(), "slugs are unique");
        let titles: std::collections::BTreeSet<&str> = articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles.len(), articles.len(), "titles are unique");
        for q in &queries {
            assert!(q.relevant.iter().all(|s| slugs.contains(s.as_str())), "{q:?}");
        }
    }
}
