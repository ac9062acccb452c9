//! The database's own account of a query: `EXPLAIN (ANALYZE, BUFFERS)` on
//! PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite. For the benchmark that walks
//! every filter and sort of the lists (benches/plans.rs); never on a
//! request's path.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Text};
use diesel::{QueryResult, RunQueryDsl};

use super::{DbConnection, StoreError};

/// `prefix` followed by a query, read as rows of `Row`.
struct Explained<Q, Row> {
    prefix: &'static str,
    query: Q,
    row: std::marker::PhantomData<Row>,
}

impl<Q, Row> QueryId for Explained<Q, Row> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<DB>, Row, DB: Backend> QueryFragment<DB> for Explained<Q, Row> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, Row> Query for Explained<Q, Row> {
    type SqlType = Row;
}

impl<Q, Row, C> RunQueryDsl<C> for Explained<Q, Row> {}

/// What the database said of one query.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Rows (or index entries) the scans read, kept or filtered out;
    /// PostgreSQL only (SQLite does not count them for us).
    pub rows_read: Option<f64>,
    /// Shared buffers hit and read; PostgreSQL only.
    pub buffers: Option<f64>,
    /// The execution time PostgreSQL measured, in milliseconds.
    pub ms: Option<f64>,
    /// The plan in words: node types and relations (PostgreSQL), or the
    /// detail lines of `EXPLAIN QUERY PLAN` (SQLite).
    pub outline: String,
}

/// Runs `query` under EXPLAIN and reads the plan.
pub fn explain<Q>(conn: &mut DbConnection, query: Q) -> Result<Plan, StoreError>
where
    Q: QueryFragment<super::MultiBackend>,
{
    match conn {
        DbConnection::Postgres(_) => {
            let explained = Explained::<_, Text> {
                prefix: "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ",
                query,
                row: std::marker::PhantomData,
            };
            let json: String = explained.get_result(conn)?;
            let parsed: serde_json::Value =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("plan: {e}")))?;
            Ok(read_postgres_plan(&parsed[0]))
        }
        DbConnection::Sqlite(_) => {
            // Rows of (id, parent, unused, detail).
            let explained = Explained::<_, (Integer, Integer, Integer, Text)> {
                prefix: "EXPLAIN QUERY PLAN ",
                query,
                row: std::marker::PhantomData,
            };
            let lines: Vec<(i32, i32, i32, String)> = explained.load(conn)?;
            let details: Vec<String> = lines.into_iter().map(|(_, _, _, detail)| detail).collect();
            Ok(Plan { outline: details.join("; "), ..Plan::default() })
        }
    }
}

/// Sums the rows every scan node read (returned or removed by a filter,
/// times its loops) and names the nodes.
fn read_postgres_plan(root: &serde_json::Value) -> Plan {
    let mut rows = 0.0;
    let mut outline = Vec::new();
    let mut stack = vec![&root["Plan"]];
    while let Some(node) = stack.pop() {
        let kind = node["Node Type"].as_str().unwrap_or("?");
        let on = node["Index Name"].as_str().or(node["Relation Name"].as_str());
        outline.push(match on {
            Some(on) => format!("{kind} {on}"),
            None => kind.to_owned(),
        });
        if kind.contains("Scan") {
            let number = |key: &str| node[key].as_f64().unwrap_or(0.0);
            let read =
                number("Actual Rows") + number("Rows Removed by Filter") + number("Rows Removed by Index Recheck");
            rows += read * number("Actual Loops").max(1.0);
        }
        if let Some(children) = node["Plans"].as_array() {
            stack.extend(children.iter().rev());
        }
    }
    let top = &root["Plan"];
    let buffers = top["Shared Hit Blocks"].as_f64().unwrap_or(0.0) + top["Shared Read Blocks"].as_f64().unwrap_or(0.0);
    Plan {
        rows_read: Some(rows),
        buffers: Some(buffers),
        ms: root["Execution Time"].as_f64(),
        outline: outline.join(" > "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_counts_the_rows_every_scan_read_and_filtered_out_per_loop() {
        let plan = serde_json::json!({
            "Plan": { "Node Type": "Limit", "Shared Hit Blocks": 40, "Shared Read Blocks": 2, "Plans": [
                { "Node Type": "Nested Loop", "Plans": [
                    { "Node Type": "Index Scan", "Index Name": "tickets_status", "Actual Rows": 25,
                      "Rows Removed by Filter": 475, "Actual Loops": 1 },
                    { "Node Type": "Index Only Scan", "Index Name": "users_pkey", "Actual Rows": 1, "Actual Loops": 25 },
                    { "Node Type": "Bitmap Heap Scan", "Relation Name": "tickets", "Actual Rows": 3,
                      "Rows Removed by Index Recheck": 7, "Actual Loops": 1 }
                ]}
            ]},
            "Execution Time": 1.25
        });
        let read = read_postgres_plan(&plan);
        assert_eq!(read.rows_read, Some(500.0 + 25.0 + 10.0));
        assert_eq!(read.buffers, Some(42.0));
        assert_eq!(read.ms, Some(1.25));
        assert_eq!(
            read.outline,
            "Limit > Nested Loop > Index Scan tickets_status > Index Only Scan users_pkey > Bitmap Heap Scan tickets"
        );
    }
}
