//! `admin generate`: a region's history written as the service writes it,
//! so that the audit chains verify, timelines are numbered without gaps and
//! the numbers of later tickets follow on.

use diesel::RunQueryDsl;

use crate::cli::{stderr, stdout, workspace, Workspace};
use crate::on_both_backends;
use crate::support::Backend;
use spbe_desk::db::{Db, DbUrl};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(db: &Db, sql: &str) -> i64 {
    let mut conn = db.conn().unwrap();
    diesel::sql_query(sql).get_result::<Count>(&mut *conn).unwrap_or_else(|e| panic!("{sql}: {e}")).n
}

fn open(ws: &Workspace) -> Db {
    let url = match ws.url.strip_prefix("sqlite://./") {
        Some(relative) => format!("sqlite://{}", ws.dir.path().join(relative).display()),
        None => ws.url.clone(),
    };
    Db::connect(&DbUrl::parse(&url).unwrap(), 2).unwrap()
}

fn generate(ws: &Workspace, tickets: &str, seed: &str) {
    let out = ws.run(&["admin", "generate", "--tickets", tickets, "--seed", seed]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("generated {tickets} tickets")), "{}", stdout(&out));
}

async fn generated_history_is_written_as_the_service_writes_it(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    generate(&ws, "600", "5");
    let verify = ws.run(&["audit", "verify"]);
    assert!(verify.status.success(), "{}{}", stdout(&verify), stderr(&verify));
    assert!(stdout(&verify).contains("intact"), "{}", stdout(&verify));

    let db = open(&ws);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM tickets"), 600);
    // Every status and both tiers occur; most tickets are closed.
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT status) AS n FROM tickets"), 6);
    let closed = count(&db, "SELECT COUNT(*) AS n FROM tickets WHERE status = 'closed'");
    assert!((450..570).contains(&closed), "{closed} closed");
    assert!(count(&db, "SELECT COUNT(*) AS n FROM tickets WHERE escalation_count > 0") > 30);
    assert!(count(&db, "SELECT COUNT(*) AS n FROM tickets WHERE resolution_breached") > 0);
    // The row's event numbers are its timeline's; the audit chain has an
    // entry per event (and a head per ticket).
    let mismatched = "SELECT COUNT(*) AS n FROM tickets t WHERE t.event_seq <> \
        (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id) \
        OR t.public_event_seq <> (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND NOT e.internal)";
    assert_eq!(count(&db, mismatched), 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM ticket_events"),
        count(&db, "SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'ticket'")
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM audit_heads h JOIN tickets t ON t.id = h.chain_id"), 600);
    // Open tickets' clocks are watched by the sweeper; closed ones' stopped.
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id WHERE t.status = 'closed' AND c.stopped_at IS NULL"),
        0
    );
    assert!(count(&db, "SELECT COUNT(*) AS n FROM tickets WHERE status IN ('new', 'assigned', 'in_progress') AND sla_check_at IS NOT NULL") > 0);

    // A second run continues the numbering and the chains still verify.
    generate(&ws, "50", "6");
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT number) AS n FROM tickets"), 650);
    let verify = ws.run(&["audit", "verify"]);
    assert!(verify.status.success(), "{}{}", stdout(&verify), stderr(&verify));
}

/// A long history is signed in bounded checkpoints (2 000 heads each on
/// SQLite, where a checkpoint holds the only writer), one after another
/// until every head is signed, and the log verifies.
async fn a_long_history_is_signed_in_bounded_checkpoints(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    generate(&ws, "2100", "7");
    let db = open(&ws);
    let heads = count(&db, "SELECT COUNT(*) AS n FROM audit_heads");
    let out = ws.run(&["audit", "checkpoint"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let signed: Vec<i64> = stdout(&out)
        .lines()
        .filter_map(|line| line.split(" signed ").nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(signed.iter().sum::<i64>(), heads, "{}", stdout(&out));
    let expected = match backend {
        Backend::Sqlite => vec![2_000, heads - 2_000],
        Backend::Postgres => vec![heads],
    };
    assert_eq!(signed, expected, "{}", stdout(&out));
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM audit_heads WHERE NOT signed"), 0);
    assert!(stdout(&ws.run(&["audit", "checkpoint"])).contains("no chain moved"));

    let verify = ws.run(&["audit", "verify"]);
    assert!(verify.status.success(), "{}{}", stdout(&verify), stderr(&verify));
    assert!(stdout(&verify).contains("intact"), "{}", stdout(&verify));
}

on_both_backends!(
    generated_history_is_written_as_the_service_writes_it,
    a_long_history_is_signed_in_bounded_checkpoints
);
