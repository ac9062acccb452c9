//! `spbe-desk backup --to DIR`, `backup verify DIR` and `restore --from
//! DIR`: the configuration in effect says where everything is, and
//! `crate::backup` does the work; this prints what was done.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{SubsecRound, Utc};

use crate::auth::audit_key::{self, parse_public};
use crate::auth::keys;
use crate::backup::{self, Checked, Restored, Sources, Target, SQLITE_COPY};
use crate::config::Settings;
use crate::db::journal::verify;
use crate::db::{backup as store, DbUrl};
use crate::domain::backup::manifest::BackupBackend;
use crate::domain::backup::{DatabasePart, FileRole, KeyTrust, Places};
use crate::domain::journal::chain::key_id;

/// Takes a backup into `to` and prints what it holds.
pub fn take(settings: &Settings, config_dir: &Path, to: &Path) -> Result<(), String> {
    let key_file = audit_key::key_file(&settings.audit, &settings.data.dir);
    if !key_file.is_file() {
        return Err(format!(
            "no audit signing key at {}: start the service once, or configure audit.signing_key_file",
            key_file.display()
        ));
    }
    let keys = audit_key::load(&settings.audit, &settings.data.dir)?;
    let sources = sources(settings, config_dir, key_file)?;
    let now = Utc::now().trunc_subsecs(0);
    let taken = backup::take(&sources, &keys.signing, to, now).map_err(|e| e.to_string())?;
    let m = &taken.manifest;
    println!("backup written to {} and signed with audit key {}", to.display(), m.key_id);
    describe(m);
    let count = |role| m.files_of(role).count();
    println!(
        "files: {} attachments, {} keys, {} configuration",
        count(FileRole::Attachment),
        count(FileRole::JwtSecret)
            + count(FileRole::JwtPrivateKey)
            + count(FileRole::JwtPublicKey)
            + count(FileRole::AuditSigningKey),
        count(FileRole::Config) + count(FileRole::Template),
    );
    match m.database {
        DatabasePart::Included => println!("database: included ({SQLITE_COPY})"),
        DatabasePart::OperatorDump => println!("database: the dump in database/ is listed and signed with the rest"),
        DatabasePart::OperatorTool => {
            println!("database: NOT in this folder; it is backed up with pg_dump or pg_basebackup (docs/operations.md)")
        }
    }
    if taken.damaged_attachments.is_empty() {
        return Ok(());
    }
    for damaged in &taken.damaged_attachments {
        eprintln!("damaged attachment in the data folder: {damaged}");
    }
    Err(format!("the backup is written, but {} attachment(s) were damaged already", taken.damaged_attachments.len()))
}

/// The files the configuration in effect uses.
fn sources(settings: &Settings, config_dir: &Path, audit_key_file: PathBuf) -> Result<Sources, String> {
    let auth = &settings.auth;
    let mut keys = Vec::new();
    if let (Some(private), Some(public)) = (&auth.jwt_private_key_file, &auth.jwt_public_key_file) {
        keys.push((FileRole::JwtPrivateKey, private.clone()));
        keys.push((FileRole::JwtPublicKey, public.clone()));
    } else if auth.jwt_secret.is_none() {
        let generated = keys::generated_secret_file(&settings.data.dir);
        if generated.is_file() {
            keys.push((FileRole::JwtSecret, generated));
        }
    }
    keys.push((FileRole::AuditSigningKey, audit_key_file));
    let templates = &settings.notices.templates_dir;
    let templates_dir = (templates.is_dir() && !inside(templates, config_dir)).then(|| templates.clone());
    Ok(Sources {
        database: settings.database_url()?,
        data_dir: settings.data.dir.clone(),
        keys,
        config_dir: config_dir.to_owned(),
        templates_dir,
        // Secrets print as `***`: those of the environment stay out of the backup.
        settings_json: serde_json::to_vec_pretty(settings).map_err(|e| e.to_string())?,
    })
}

fn inside(path: &Path, folder: &Path) -> bool {
    match (path.canonicalize(), folder.canonicalize()) {
        (Ok(path), Ok(folder)) => path.starts_with(folder),
        _ => false,
    }
}

fn given_keys(public_keys: &[String]) -> Result<Vec<ed25519_dalek::VerifyingKey>, String> {
    public_keys.iter().map(|k| parse_public(k)).collect()
}

fn describe(m: &crate::domain::backup::Manifest) {
    let c = &m.contents;
    println!(
        "taken {} from {} (schema {}): {} tickets, {} changes, {} attachments, {} audit entries up to {} (checkpoint {})",
        m.created_at.to_rfc3339(),
        m.backend.as_str(),
        c.schema_version.as_deref().unwrap_or("none"),
        c.tickets,
        c.changes,
        c.attachments,
        c.audit_entries,
        c.newest_audit_at.map_or("-".to_owned(), |at| at.to_rfc3339()),
        c.newest_checkpoint.map_or("none".to_owned(), |seq| seq.to_string()),
    );
}

fn checked(dir: &Path, public_keys: &[String]) -> Result<Checked, String> {
    let checked = backup::check_backup(dir, &given_keys(public_keys)?).map_err(|e| format!("refused: {e}"))?;
    let m = &checked.manifest;
    println!("manifest signed by audit key {}; all {} files match it", m.key_id, m.files.len());
    if checked.trust == KeyTrust::OwnKeyOnly {
        println!(
            "no --public-key given: checked against the key the backup names, which proves it intact, not who made it"
        );
    }
    describe(m);
    Ok(checked)
}

/// `backup verify DIR`: the manifest and files, and on SQLite the audit
/// chains and attachments of the database copy, opened read-only.
pub fn verify(settings: &Settings, dir: &Path, public_keys: &[String]) -> Result<(), String> {
    let checked = checked(dir, public_keys)?;
    if checked.manifest.database != DatabasePart::Included {
        println!("the database part is the operator's: check it with pg_restore --list, and by a restore drill");
        return Ok(());
    }
    let signer = checked.manifest.verifying_key().map_err(|e| e.to_string())?;
    let mut trusted = HashMap::from([(key_id(&signer), signer)]);
    for text in &settings.audit.trusted_public_keys {
        let key = parse_public(text)?;
        trusted.insert(key_id(&key), key);
    }
    let mut conn = store::open_sqlite_copy(&dir.join(SQLITE_COPY)).map_err(|e| e.to_string())?;
    let attachments = backup::check_attachments(&mut conn, dir).map_err(|e| e.to_string())?;
    let audit = verify::verify(&mut conn, &trusted).map_err(|e| e.to_string())?;
    print_attachments(&attachments);
    let audit_result = super::audit::report(audit);
    match attachments.problems {
        0 => audit_result,
        n => Err(format!("{n} attachment(s) of the backup do not match their records")),
    }
}

fn print_attachments(check: &backup::AttachmentCheck) {
    if check.problems == 0 {
        println!("attachments: all {} files match their records", check.checked);
        return;
    }
    println!("attachments: {} of {} files do not match their records", check.problems, check.checked);
    for id in &check.missing {
        println!("missing: attachment {id}");
    }
    for id in &check.differing {
        println!("differs from its record: attachment {id}");
    }
}

/// `restore --from DIR`: checks the backup, reads the configuration (the
/// backup's own when `config_dir` is empty: it is restored there), restores
/// and checks the result.
pub fn restore(config_dir: &Path, from: &Path, public_keys: &[String]) -> Result<(), String> {
    let checked = checked(from, public_keys)?;
    let config_empty = backup::is_empty(config_dir).map_err(|e| e.to_string())?;
    let has_config = checked.manifest.files_of(FileRole::Config).next().is_some();
    let settings =
        Settings::load(&if config_empty && has_config { from.join("config") } else { config_dir.to_owned() })?;
    crate::telemetry::init(&settings.log);
    let target = target(&settings, config_dir, config_empty)?;
    let restored = backup::restore(from, &checked, &target).map_err(|e| format!("refused: {e}"))?;
    report(&restored, &target, from);
    let audit_result = super::audit::report(restored.audit.clone());
    if restored.sound() {
        return audit_result;
    }
    Err("the restored installation did not pass its checks (above); do not serve from it before they are understood"
        .to_owned())
}

fn target(settings: &Settings, config_dir: &Path, config_empty: bool) -> Result<Target, String> {
    let database = settings.database_url()?;
    let data_dir = settings.data.dir.clone();
    let auth = &settings.auth;
    let templates = &settings.notices.templates_dir;
    let templates_empty = backup::is_empty(templates).map_err(|e| e.to_string())?;
    let templates_apart = !templates.starts_with(config_dir) && !inside(templates, config_dir);
    let places = Places {
        backend: match database {
            DbUrl::Sqlite(_) => BackupBackend::Sqlite,
            DbUrl::Postgres(_) => BackupBackend::Postgres,
        },
        sqlite_file: match &database {
            DbUrl::Sqlite(path) => Some(path.clone()),
            DbUrl::Postgres(_) => None,
        },
        jwt_secret_file: keys::generated_secret_file(&data_dir),
        jwt_key_files: auth.jwt_private_key_file.clone().zip(auth.jwt_public_key_file.clone()),
        audit_key_file: audit_key::key_file(&settings.audit, &data_dir),
        empty_config_dir: config_empty.then(|| config_dir.to_owned()),
        empty_templates_dir: (templates_empty && templates_apart).then(|| templates.clone()),
        data_dir,
    };
    Ok(Target { places, database, audit: settings.audit.clone() })
}

fn report(r: &Restored, target: &Target, from: &Path) {
    match &target.places.sqlite_file {
        Some(file) => println!("restored the database to {}", file.display()),
        None => println!("the database: restored by the operator (pg_restore) beforehand"),
    }
    println!(
        "restored {} attachment files and {} key files ({} already in place) into {}",
        r.attachment_files,
        r.key_files,
        r.keys_in_place,
        target.places.data_dir.display()
    );
    match (&target.places.empty_config_dir, r.config_kept) {
        (Some(dir), _) if r.config_files > 0 => {
            println!("restored {} configuration files into {}", r.config_files, dir.display())
        }
        (None, kept) if kept > 0 => println!(
            "kept this machine's configuration; the backup's {kept} configuration files are in {}",
            from.join("config").display()
        ),
        _ => {}
    }
    if !r.migrations.is_empty() {
        println!("applied {} migration(s): {}", r.migrations.len(), r.migrations.join(", "));
    }
    let c = &r.contents;
    println!(
        "holds {} tickets, {} changes, {} attachments, {} audit entries",
        c.tickets, c.changes, c.attachments, c.audit_entries
    );
    print_attachments(&r.attachments);
}
