//! The bulk journal is a batching of the journal: an entry recorded
//! through it writes the rows `journal::record` writes (a change's timeline
//! event and its queued notice included), and the timeline numbers go on
//! from where the batch left them, on a chain that still verifies.

use chrono::Utc;
use serde_json::json;
use spbe_desk::db::changes::timeline;
use spbe_desk::db::journal::bulk::BulkJournal;
use spbe_desk::db::journal::notice_events::{self as events, QueuedEvent};
use spbe_desk::db::journal::{self, AuditFilter};
use spbe_desk::db::{write_tx, DbConnection, StoreError};
use spbe_desk::domain::change::{ChangeEventKind, ChangeStatus};
use spbe_desk::domain::journal::{Context, Entry, Event, Subject};
use spbe_desk::domain::policy::Actor;
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::changes::{assessing, board};
use crate::support::{spawn_app, Backend};

fn approved(change: Uuid) -> Entry {
    let event = Event::Change {
        kind: ChangeEventKind::Approved,
        from: Some(ChangeStatus::Assessing),
        to: ChangeStatus::Approved,
        detail: json!({ "pre_approved_by_template": null }),
    };
    Entry::new(Subject::Change(change), event)
        .states(Some(json!({ "status": "assessing" })), Some(json!({ "status": "approved" })))
}

/// What an entry left of `change`: its last timeline event, its queued
/// notice and its last audit record, with the change's own ids written alike.
fn written(conn: &mut DbConnection, change: Uuid, queued: &[QueuedEvent]) -> (String, String, String) {
    let mut last = timeline::list(conn, change, 0, 100).unwrap().pop().unwrap();
    last.id = Uuid::nil();
    let notice = queued.iter().find(|q| q.subject_id == change).unwrap();
    let notice = (notice.event.clone(), notice.actor_id, notice.occurred_at, notice.payload.clone());
    let filter = AuditFilter { chain_id: Some(change), limit: 1_000, ..AuditFilter::default() };
    let mut audit = journal::list_audit(conn, &filter).unwrap().pop().unwrap();
    (audit.id, audit.entity_id, audit.chain_id, audit.hash, audit.prev_hash) =
        (Uuid::nil(), Uuid::nil(), None, None, None);
    let alike = |text: String| text.replace(&change.to_string(), "<change>");
    (alike(format!("{last:?}")), alike(format!("{notice:?}")), alike(format!("{audit:?}")))
}

async fn a_change_entry_through_the_bulk_journal_writes_what_the_journal_writes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let b = board(&app).await;
    let one: Uuid = assessing(&app, &b, &b.umum).await.parse().unwrap();
    let other: Uuid = assessing(&app, &b, &b.umum).await.parse().unwrap();
    let ctx = Context::new(Some(Actor::User(b.org.tier2.id)), Some("req-7".to_owned()), Utc::now());
    let mut conn = app.db.conn().unwrap();
    write_tx(&mut conn, |conn| journal::record(conn, &ctx, approved(one))).unwrap();
    write_tx(&mut conn, |conn| {
        let mut bulk = BulkJournal::live();
        bulk.continue_changes(conn, &[other])?;
        bulk.record(&ctx, approved(other))?;
        bulk.flush(conn)
    })
    .unwrap();
    let queued = write_tx(&mut conn, |conn| Ok::<_, StoreError>(events::claim(conn, None)?.events)).unwrap();
    assert_eq!(written(&mut conn, other, &queued), written(&mut conn, one, &queued));

    // The batch wrote back the change's event number: the next entry follows it.
    write_tx(&mut conn, |conn| journal::record(conn, &ctx, approved(other))).unwrap();
    let seqs: Vec<i32> = timeline::list(&mut conn, other, 0, 100).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=i32::try_from(seqs.len()).unwrap()).collect::<Vec<_>>());
    let report = journal::verify::verify(&mut conn, &Default::default()).unwrap();
    assert!(report.intact, "{report:?}");
}

on_both_backends!(a_change_entry_through_the_bulk_journal_writes_what_the_journal_writes);
