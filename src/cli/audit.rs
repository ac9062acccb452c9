//! `spbe-desk audit …`: verification against the database, checkpoints,
//! exports, and verification of an export offline (no database needed).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use uuid::Uuid;

use super::AuditCommand;
use crate::auth::audit_key::{self, parse_public};
use crate::config::Settings;
use crate::db::journal::checkpoints;
use crate::db::journal::export::{self, Period};
use crate::db::journal::verify::{self, VerifyReport};
use crate::db::{Db, StoreError};
use crate::domain::journal::chain::{key_id, Link};
use crate::domain::journal::compact::{StoredStates, Unfolder};
use crate::domain::journal::verify::{
    check_chain, check_signed, ChainEvidence, CheckpointWalk, SignedHead, StoredCheckpoint, StoredLink,
};
use crate::domain::journal::witness::{parse_hash, CheckpointLine, Witness};

pub fn run(db: &Db, settings: &Settings, command: AuditCommand) -> Result<(), String> {
    let keys = audit_key::load(&settings.audit, &settings.data.dir)?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    match command {
        AuditCommand::Verify { state: true, .. } => super::audit_state::run(&mut conn),
        AuditCommand::Verify { state: false, witness: None } => {
            report(verify::verify(&mut conn, &keys.trusted).map_err(|e| e.to_string())?)
        }
        AuditCommand::Verify { state: false, witness: Some(file) } => {
            let mut witness = Witness::admit(&keys.trusted, super::witness::read(&file)?);
            println!("{} witnessed checkpoint(s) read from {}", witness.checkpoints(), file.display());
            report(verify::verify_witnessed(&mut conn, &keys.trusted, &mut witness).map_err(|e| e.to_string())?)
        }
        AuditCommand::Checkpoint => {
            let publish = &mut crate::jobs::audit_witness::publisher(&settings.audit.witness, Utc::now());
            let taken = checkpoints::take_all(&mut conn, &keys.signing, &keys.key_id, Utc::now(), publish)
                .map_err(|e| e.to_string())?;
            if let Some(file) = &settings.audit.witness.file {
                let appended = crate::jobs::audit_witness::append(&mut conn, file)?;
                println!("{appended} checkpoint(s) appended to the witness file {}", file.display());
            }
            if taken.is_empty() {
                println!("no chain moved since the last checkpoint");
            }
            for c in taken {
                println!("checkpoint {} signed {} chain head(s) with key {}", c.seq, c.head_count, c.key_id);
            }
            Ok(())
        }
        AuditCommand::Export { from, to } => {
            let mut out = std::io::stdout().lock();
            export::export(&mut conn, &keys.trusted, Period { from, to }, |line| {
                writeln!(out, "{line}").map_err(|e| StoreError::Unavailable(e.to_string()))
            })
            .map_err(|e| e.to_string())
        }
        AuditCommand::StoreWhole => {
            let rewritten = crate::db::journal::store_whole(&mut conn).map_err(|e| e.to_string())?;
            println!("{rewritten} audit entries rewritten whole");
            Ok(())
        }
        AuditCommand::VerifyExport { .. } => Err("verify-export needs no database".to_owned()),
    }
}

/// Prints the report; an error (exit 1) when anything is broken.
pub(super) fn report(r: VerifyReport) -> Result<(), String> {
    println!(
        "checked {} audit rows in {} chains and {} checkpoints",
        r.rows_checked, r.chains_checked, r.checkpoints_checked
    );
    for b in &r.breaks {
        let kind = serde_json::to_string(&b.kind).unwrap_or_default();
        let place = match (b.chain, b.position, b.checkpoint) {
            (Some(c), Some(p), _) => format!("chain {c} position {p}"),
            (Some(c), None, _) => format!("chain {c}"),
            (None, _, Some(seq)) => format!("checkpoint {seq}"),
            _ => "the log".to_owned(),
        };
        println!("{} at {place}: {}", kind.trim_matches('"'), b.detail);
    }
    if r.intact {
        println!("intact");
        Ok(())
    } else {
        Err(format!("{} break(s) found", r.breaks_found))
    }
}

/// One line of an export.
#[derive(Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Line {
    Export { from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>> },
    Key { public_key: String },
    Entry(EntryLine),
    Checkpoint(CheckpointLine),
    End { entries: u64, checkpoints: u64 },
}

#[derive(Deserialize)]
struct EntryLine {
    chain: Uuid,
    position: i64,
    occurred_at: DateTime<Utc>,
    actor_kind: String,
    actor_id: Option<Uuid>,
    action: String,
    entity_type: String,
    entity_id: Uuid,
    before_json: Option<String>,
    after_json: Option<String>,
    /// Export v2: the state before by reference, the state after as edits.
    before_position: Option<i64>,
    before_edits: Option<String>,
    after_edits: Option<String>,
    request_id: Option<String>,
    prev_hash: String,
    hash: String,
}

/// Verifies an export file with the given trusted keys (or its own), and
/// against a witness file if one is given.
pub fn verify_export(path: &Path, public_keys: &[String], witness: Option<&Path>) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut trusted: HashMap<String, VerifyingKey> = HashMap::new();
    for text in public_keys {
        let key = parse_public(text)?;
        trusted.insert(key_id(&key), key);
    }
    let given_keys = !trusted.is_empty();
    let (mut period, mut ended) = ((None, None), false);
    let (mut entries, mut checkpoint_lines) = (Vec::<StoredLink>::new(), Vec::<StoredCheckpoint>::new());
    let mut signed: HashMap<Uuid, Vec<SignedHead>> = HashMap::new();
    let mut counted = (0_u64, 0_u64);
    let mut unfolder = Unfolder::default();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if ended {
            return Err(format!("line {}: content after the end of the export", n + 1));
        }
        let parsed: Line = serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        match parsed {
            Line::Export { from, to } => period = (from, to),
            Line::Key { public_key } if !given_keys => {
                let key = parse_public(&public_key)?;
                trusted.insert(key_id(&key), key);
            }
            Line::Key { .. } => {}
            Line::Entry(e) => {
                let stored = StoredStates {
                    before_json: e.before_json,
                    before_position: e.before_position,
                    before_edits: e.before_edits,
                    after_json: e.after_json,
                    after_edits: e.after_edits,
                };
                let (before_json, after_json) = unfolder.unfold_or_mark(e.chain, e.entity_id, e.position, &stored);
                let link = Link {
                    chain: e.chain,
                    position: e.position,
                    occurred_at: e.occurred_at,
                    actor_kind: e.actor_kind,
                    actor_id: e.actor_id,
                    action: e.action,
                    entity_type: e.entity_type,
                    entity_id: e.entity_id,
                    before_json,
                    after_json,
                    request_id: e.request_id,
                    prev_hash: parse_hash(&e.prev_hash)?,
                };
                entries.push(StoredLink { link, hash: parse_hash(&e.hash)? });
            }
            Line::Checkpoint(c) => {
                let c = c.parse()?;
                let seq = c.stored.body.seq;
                for h in &c.heads {
                    let head = SignedHead { checkpoint: seq, position: h.position, hash: h.hash };
                    signed.entry(h.chain).or_default().push(head);
                }
                checkpoint_lines.push(c.stored);
            }
            Line::End { entries, checkpoints } => {
                ended = true;
                counted = (entries, checkpoints);
            }
        }
    }
    if !ended || counted != (entries.len() as u64, checkpoint_lines.len() as u64) {
        return Err("the export is incomplete: its end line is missing or counts other lines".to_owned());
    }
    let partial = period.0.is_some();
    let mut witness = match witness {
        Some(file) => Witness::admit(&trusted, super::witness::read(file)?),
        None => Witness::default(),
    };
    let mut result = VerifyReport::default();
    result.add(std::mem::take(&mut witness.breaks));
    let mut walk = CheckpointWalk::new(&trusted);
    if let (true, Some(first)) = (partial, checkpoint_lines.first()) {
        walk.resume_after(first.body.seq - 1, first.body.prev_hash);
    }
    for c in &checkpoint_lines {
        walk.check(c);
        result.add(witness.compare(c));
    }
    let (from, to) = period;
    result.add(witness.missing(|c| from.is_none_or(|f| c.taken_at >= f) && to.is_none_or(|t| c.taken_at < t)));
    // Of a period, only what its own checkpoints signed is held against the witness.
    let exported: HashSet<i64> = checkpoint_lines.iter().map(|c| c.body.seq).collect();
    let witnessed = |chain: Uuid| -> Vec<SignedHead> {
        let heads = witness.heads_of(chain).iter();
        heads.filter(|h| !partial || exported.contains(&h.checkpoint)).copied().collect()
    };
    result.checkpoints_checked = checkpoint_lines.len() as u64;
    result.add(walk.breaks);
    let mut start = 0;
    while start < entries.len() {
        let chain = entries[start].link.chain;
        let end = entries[start..].iter().position(|e| e.link.chain != chain).map_or(entries.len(), |n| start + n);
        let mine = signed.get(&chain).map(Vec::as_slice).unwrap_or_default();
        let evidence = ChainEvidence { chain, entries: &entries[start..end], head: None, signed: mine, partial };
        result.add(check_chain(&evidence));
        result.add(check_signed(chain, &entries[start..end], &witnessed(chain), "witnessed checkpoint"));
        result.chains_checked += 1;
        start = end;
    }
    // A whole chain a checkpoint signed, gone from a full export.
    if !partial {
        let present: HashSet<Uuid> = entries.iter().map(|e| e.link.chain).collect();
        for (chain, heads) in signed.iter().filter(|(c, _)| !present.contains(c)) {
            let evidence = ChainEvidence { chain: *chain, entries: &[], head: None, signed: heads, partial };
            result.add(check_chain(&evidence));
        }
        for chain in witness.chains().filter(|c| !present.contains(c)) {
            result.add(check_signed(chain, &[], &witnessed(chain), "witnessed checkpoint"));
        }
    }
    result.rows_checked = entries.len() as u64;
    result.intact = result.breaks_found == 0;
    if !given_keys {
        println!("no --public-key given: checked against the keys the export names");
    }
    report(result)
}
