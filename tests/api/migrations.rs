//! Both backends carry the same migration versions.

use std::collections::BTreeSet;
use std::path::Path;

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn postgres_and_sqlite_have_the_same_migration_versions() {
    let postgres = versions("postgres");
    let sqlite = versions("sqlite");
    assert!(!postgres.is_empty());
    assert_eq!(postgres, sqlite, "migrations/postgres and migrations/sqlite differ");
}

#[test]
fn every_migration_has_up_and_down_scripts() {
    for backend in ["postgres", "sqlite"] {
        for version in versions(backend) {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend).join(&version);
            assert!(dir.join("up.sql").exists() && dir.join("down.sql").exists(), "{backend}/{version}");
        }
    }
}
