//! Text search (`q=`): the text, as one fragment, anywhere in a ticket's
//! number, title or description, letter case aside. Each backend answers it
//! from its own trigram index (PostgreSQL: pg_trgm on the three columns,
//! migration 000011; SQLite: the FTS5 table `ticket_search`, migration
//! 000021), so that a fragment nobody wrote costs a few index pages, not a
//! read of every ticket in the scope. A fragment shorter than three
//! characters has no trigram: it is matched with `LIKE` on both.

use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use crate::db::schema::tickets;
use crate::db::MultiBackend;

/// The condition "the ticket holds this text", written for each backend.
#[derive(Debug, Clone)]
pub(crate) struct TextMatch {
    /// `%text%`, lowercased, with LIKE's wildcards escaped.
    like: String,
    /// The FTS5 query (one quoted phrase) when the text has a trigram.
    phrase: Option<String>,
}

impl TextMatch {
    pub(crate) fn new(text: &str) -> Self {
        // A trigram index holds nothing shorter than three characters.
        let phrase = (text.chars().count() >= 3).then(|| format!("\"{}\"", text.replace('"', "\"\"")));
        Self { like: crate::db::like_pattern(text), phrase }
    }

    /// The three columns' `LIKE`, as both backends run it without an index
    /// of SQLite's (PostgreSQL's trigram indexes serve this form).
    fn walk_like<'b, DB: diesel::backend::Backend>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        String: diesel::serialize::ToSql<Text, DB>,
    {
        out.push_sql("(");
        for (i, column) in ["number", "title", "description"].into_iter().enumerate() {
            if i > 0 {
                out.push_sql(" OR ");
            }
            out.push_sql("lower(tickets.");
            out.push_sql(column);
            out.push_sql(") LIKE ");
            out.push_bind_param::<Text, _>(&self.like)?;
            out.push_sql(" ESCAPE '\\'");
        }
        out.push_sql(")");
        Ok(())
    }
}

impl Expression for TextMatch {
    type SqlType = Bool;
}

impl AppearsOnTable<tickets::table> for TextMatch {}

impl SelectableExpression<tickets::table> for TextMatch {}

impl<GroupBy> ValidGrouping<GroupBy> for TextMatch {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for TextMatch {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for TextMatch {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.walk_like(out)
    }
}

impl QueryFragment<Sqlite> for TextMatch {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        match &self.phrase {
            Some(phrase) => {
                out.push_sql("tickets.rowid IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ");
                out.push_bind_param::<Text, _>(phrase)?;
                out.push_sql(")");
                Ok(())
            }
            None => self.walk_like(out),
        }
    }
}

impl QueryFragment<MultiBackend> for TextMatch {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}
