//! The intake writer: filed tickets wait in a queue, and a few threads
//! write them, each taking everything that waits as one transaction (group
//! commit). Alone, a filing is written at once, as before; under load, the
//! requests that arrived while one batch was written go in the next, so the
//! database pays a few statements and one commit per batch.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::db::tickets::{self, CreateOutcome, Intake};
use crate::db::{Db, StoreError};

/// The most filings one transaction takes: beyond this, a batch's own
/// latency grows more than the commit it shares saves.
const MOST_PER_BATCH: usize = 64;

type Reply = oneshot::Sender<Result<CreateOutcome, StoreError>>;

/// Where request handlers hand their filings; cheap to share.
pub struct IntakeWriter {
    queue: Sender<(Intake, Reply)>,
}

impl IntakeWriter {
    /// Starts `writers` threads (one suffices for SQLite, which has one
    /// writer at a time). They stop when the writer is dropped.
    pub fn start(db: &Db, writers: usize) -> Result<Self, String> {
        let (queue, waiting) = mpsc::channel();
        let waiting = Arc::new(Mutex::new(waiting));
        for n in 0..writers.max(1) {
            let (db, waiting) = (db.clone(), Arc::clone(&waiting));
            std::thread::Builder::new()
                .name(format!("intake-{n}"))
                .spawn(move || write_batches(&db, &waiting))
                .map_err(|e| format!("cannot start the intake writer: {e}"))?;
        }
        Ok(Self { queue })
    }

    /// Files a ticket and waits for its outcome.
    pub async fn file(&self, intake: Intake) -> Result<CreateOutcome, StoreError> {
        let (reply, outcome) = oneshot::channel();
        self.queue.send((intake, reply)).map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the intake writer has stopped".to_owned())
}

fn write_batches(db: &Db, waiting: &Mutex<Receiver<(Intake, Reply)>>) {
    while let Some(batch) = next_batch(waiting) {
        let (intakes, replies): (Vec<Intake>, Vec<Reply>) = batch.into_iter().unzip();
        // A bug in one batch must not stop intake for good.
        let outcomes = catch_unwind(AssertUnwindSafe(|| write(db, &intakes))).unwrap_or_else(|_| {
            intakes
                .iter()
                .map(|_| Err(StoreError::Corrupt("filing the ticket failed unexpectedly".to_owned())))
                .collect()
        });
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // The client may have gone; its ticket is filed all the same.
            let _ = reply.send(outcome);
        }
    }
}

/// Waits for a filing, then takes what else waits, up to a batch.
fn next_batch(waiting: &Mutex<Receiver<(Intake, Reply)>>) -> Option<Vec<(Intake, Reply)>> {
    let waiting = waiting.lock().unwrap_or_else(PoisonError::into_inner);
    let mut batch = vec![waiting.recv().ok()?];
    while batch.len() < MOST_PER_BATCH {
        match waiting.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}

fn write(db: &Db, intakes: &[Intake]) -> Vec<Result<CreateOutcome, StoreError>> {
    let mut conn = match db.conn() {
        Ok(conn) => conn,
        Err(e) => return intakes.iter().map(|_| Err(StoreError::Unavailable(e.to_string()))).collect(),
    };
    if intakes.len() > 1 {
        match tickets::create_many(&mut conn, intakes) {
            Ok(outcomes) => return outcomes,
            // The database or the connection failed: whether the commit
            // landed is unknown, so nothing is filed again (a client that
            // retries with its key or reference gets its ticket).
            Err(e @ (StoreError::Unavailable(_) | StoreError::Database(_))) => {
                tracing::error!(error = %e, size = intakes.len(), "batched intake failed");
                return intakes.iter().map(|_| Err(StoreError::Unavailable(e.to_string()))).collect();
            }
            // Refused as a whole and rolled back (a concurrent instance
            // took a reference, say): each filing is tried alone, as if it
            // had come alone.
            Err(e) => tracing::warn!(error = %e, size = intakes.len(), "batched intake rolled back; filing one by one"),
        }
    }
    intakes.iter().map(|intake| tickets::create_one(&mut conn, intake)).collect()
}
