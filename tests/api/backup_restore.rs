//! Backups as an operator checks them: signed and hashed so that anyone can
//! check them without our code, and refused, with nothing written, when a
//! file or the manifest was altered, the signer is not the published key,
//! or the place to restore into is not empty.

use std::path::Path;

use crate::on_both_backends;
use crate::support::backup::{copy_dir, empty, fresh_place, printed, take_backup, Place};
use crate::support::changes::python;
use crate::support::{spawn_app, Backend, TestApp, TEST_SECRET};
use crate::ticket_attachments::upload;
use crate::tickets::{file, incident};

/// An installation with a ticket, an attachment, an article with its own
/// file and a configuration file, backed up into `work/backup`; returns the audit public key (hex).
async fn backed_up(backend: Backend, work: &Path) -> Option<(TestApp, Place, String)> {
    let app = spawn_app(backend).await?;
    let org = app.org().await;
    let ticket = file(&app, &org.reporter_a.token, incident(org.service)).await;
    let id = ticket["id"].as_str().unwrap();
    let stored = upload(&app, &org.reporter_a.token, id, "catatan.txt", b"log server SIMPEG".to_vec(), None).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    let article = crate::knowledge::article(org.service, "Gagal masuk SIMPEG", "Lihat layar.");
    let article = crate::knowledge::write(&app, &org.tier1_a.token, article).await;
    crate::knowledge_attachments::attached(&app, &org.tier1_a.token, &article, "layar.png").await;
    let place = Place::of(&app, work);
    std::fs::create_dir_all(place.config_dir()).unwrap();
    std::fs::write(place.config_dir().join("default.toml"), "[tickets]\nreopen_window_days = 9\n").unwrap();
    let taken = take_backup(backend, &place, &work.join("backup"));
    assert!(taken.status.success(), "{}", printed(&taken));
    let keys = spbe_desk::auth::audit_key::load(&app.settings.audit, &app.settings.data.dir).unwrap();
    let public = hex::encode(keys.signing.verifying_key().as_bytes());
    Some((app, place, public))
}

async fn a_backup_is_signed_and_hashed_so_that_anyone_can_check_it(backend: Backend) {
    let work = tempfile::tempdir().unwrap();
    let Some((_app, place, public)) = backed_up(backend, work.path()).await else { return };
    let backup = work.path().join("backup");
    let dir = backup.to_str().unwrap();
    let verified = place.run(&["backup", "verify", dir, "--public-key", &public]);
    assert!(verified.status.success(), "{}", printed(&verified));
    // The program's own files, the owner's only (the operator's dump is theirs).
    for file in walkdir(&backup).into_iter().filter(|f| !f.starts_with(backup.join("database/spbe-desk.dump"))) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
    }
    match backend {
        Backend::Sqlite => assert!(
            printed(&verified).contains("attachments: all 2 files match") && printed(&verified).ends_with("intact\n"),
            "{}",
            printed(&verified)
        ),
        Backend::Postgres => assert!(printed(&verified).contains("pg_restore --list"), "{}", printed(&verified)),
    }
    if let Some((code, out)) = python("cryptography", "tests/verifier/verify_backup.py", &[dir, &public], "") {
        assert_eq!(code, 0, "{out}");
    }
    let settings = std::fs::read_to_string(backup.join("settings-in-effect.json")).unwrap();
    assert!(settings.contains("\"jwt_secret\": \"***\"") && !settings.contains(TEST_SECRET), "{settings}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let attachment = manifest["files"].as_array().unwrap().iter().find(|f| f["role"] == "attachment").unwrap();
    std::fs::write(backup.join(attachment["path"].as_str().unwrap()), b"log server SIMPEG!").unwrap();
    let damaged = place.run(&["backup", "verify", dir]);
    assert!(!damaged.status.success());
    assert!(printed(&damaged).contains("differs from its manifest entry"), "{}", printed(&damaged));
    if let Some((code, out)) = python("cryptography", "tests/verifier/verify_backup.py", &[dir, &public], "") {
        assert_eq!(code, 1, "the independent check took a damaged file: {out}");
    }
    let again = take_backup(backend, &place, &backup);
    assert!(!again.status.success(), "a backup is written only into an empty folder");
    assert!(printed(&again).contains("is in the way"), "{}", printed(&again));
}

/// Restores `backup` into a fresh place with `args`; asserts the refusal
/// names `reason` and that nothing was written.
fn refused(backend: Backend, backup: &Path, args: &[&str], stray: bool, reason: &str) {
    let fresh = fresh_place(backend, backup, false);
    if stray {
        std::fs::write(fresh.place.data_dir.join("notes.txt"), "keep me").unwrap();
    }
    let mut command = vec!["restore", "--from", backup.to_str().unwrap()];
    command.extend_from_slice(args);
    let output = fresh.place.run(&command);
    assert!(!output.status.success(), "restored although {reason}");
    assert!(printed(&output).contains(reason), "{}", printed(&output));
    let data: Vec<_> = std::fs::read_dir(&fresh.place.data_dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(data.len(), usize::from(stray), "nothing written: {data:?}");
    assert!(empty(&fresh.place.config_dir()), "no configuration written");
}

async fn a_backup_that_does_not_verify_or_a_place_that_is_not_empty_is_refused_and_nothing_is_written(
    backend: Backend,
) {
    let work = tempfile::tempdir().unwrap();
    let Some((_app, place, public)) = backed_up(backend, work.path()).await else { return };
    let backup = work.path().join("backup");

    let edited = work.path().join("edited");
    copy_dir(&backup, &edited);
    let text = std::fs::read_to_string(edited.join("manifest.json")).unwrap();
    std::fs::write(edited.join("manifest.json"), text.replace("\"tickets\": 1", "\"tickets\": 2")).unwrap();
    refused(backend, &edited, &[], false, "signature does not verify");

    let damaged = work.path().join("damaged");
    copy_dir(&backup, &damaged);
    std::fs::write(damaged.join("config/default.toml"), "[tickets]\nreopen_window_days = 90\n").unwrap();
    refused(backend, &damaged, &[], false, "config/default.toml in the backup is missing or differs");

    let other = hex::encode(ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key().as_bytes());
    refused(backend, &backup, &["--public-key", &other], false, "none of the keys given");
    refused(backend, &backup, &["--public-key", &public], true, "is in the way");
    if backend == Backend::Postgres {
        refused(backend, &backup, &["--public-key", &public], false, "restore the dump first");
        // The live database, which went on after the backup: not its dump.
        let unit =
            ["admin", "create-unit", "--kind", "perangkat_daerah", "--code", "DISHUB", "--name", "Dinas Perhubungan"];
        let moved_on =
            place.run(&[&unit[..], &["--time-zone", "Asia/Makassar", "--mailbox", "dishub@majenekab.go.id"]].concat());
        assert!(moved_on.status.success(), "{}", printed(&moved_on));
        let fresh = fresh_place(backend, &backup, false);
        let live = Place { url: place.url.clone(), ..fresh.place.clone() };
        let onto_live = live.run(&["restore", "--from", backup.to_str().unwrap(), "--public-key", &public]);
        assert!(!onto_live.status.success(), "restored onto the live database");
        assert!(printed(&onto_live).contains("it is not the dump of this backup"), "{}", printed(&onto_live));
        assert!(empty(&live.data_dir), "nothing written");
    }
}

on_both_backends!(
    a_backup_is_signed_and_hashed_so_that_anyone_can_check_it,
    a_backup_that_does_not_verify_or_a_place_that_is_not_empty_is_refused_and_nothing_is_written,
);

/// Every file under `dir`.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walkdir(&path));
        } else {
            files.push(path);
        }
    }
    files
}
