//! Running `spbe-desk backup` and `restore` against a test installation,
//! and PostgreSQL's own dump and restore tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{postgres as pg, Backend, TestApp, TEST_SECRET};

const BIN: &str = env!("CARGO_BIN_EXE_spbe-desk");
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// An installation as the command line sees it: its database, its data
/// folder, and a working folder holding its `config/`.
#[derive(Debug, Clone)]
pub struct Place {
    pub url: String,
    pub data_dir: PathBuf,
    pub work_dir: PathBuf,
}

impl Place {
    /// The running test app's installation, worked on from `work_dir`.
    pub fn of(app: &TestApp, work_dir: &Path) -> Self {
        Self {
            url: app.settings.database.url.clone(),
            data_dir: app.settings.data.dir.clone(),
            work_dir: work_dir.into(),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.work_dir.join("config")
    }

    /// Runs `spbe-desk ARGS` on this installation, with the test apps'
    /// JWT secret given as operators give secrets: in the environment.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.work_dir)
            .env("APP__DATABASE__URL", &self.url)
            .env("APP__DATA__DIR", &self.data_dir)
            .env("APP__AUTH__JWT_SECRET", TEST_SECRET)
            .env("APP__LOG__LEVEL", "warn")
            .env_remove("APP_ENV")
            .env_remove("APP_CONFIG_DIR")
            .env_remove("RUST_LOG")
            .output()
            .expect("run spbe-desk")
    }
}

/// What a command printed, both streams.
pub fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The whole backup as an operator takes it: on PostgreSQL `pg_dump` into
/// `DIR/database/` first, then `spbe-desk backup --to DIR`.
pub fn take_backup(backend: Backend, place: &Place, dir: &Path) -> Output {
    if backend == Backend::Postgres {
        std::fs::create_dir_all(dir.join("database")).unwrap();
        let dump = dir.join("database/spbe-desk.dump");
        let status = Command::new(format!("{PG_BIN}/pg_dump"))
            .args(["--format=custom", "--file"])
            .arg(&dump)
            .arg(&place.url)
            .status()
            .expect("pg_dump");
        assert!(status.success(), "pg_dump failed");
    }
    place.run(&["backup", "--to", dir.to_str().unwrap()])
}

/// A fresh place to restore into: an empty data folder, an empty working
/// folder, and on PostgreSQL a new database (`with_dump`: the backup's dump
/// restored into it with `pg_restore`, as the operator does first).
pub struct Fresh {
    pub place: Place,
    data_dir: Option<tempfile::TempDir>,
    _work_dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

pub fn fresh_place(backend: Backend, backup: &Path, with_dump: bool) -> Fresh {
    let (data_dir, work_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (url, pg_database) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", data_dir.path().join("desk.db").display()), None),
        Backend::Postgres => {
            let server = pg::server_url().expect("the PostgreSQL the backup came from");
            let name = format!("spbe_restore_{}", uuid::Uuid::now_v7().simple());
            let url = pg::create_database(&server, &name);
            if with_dump {
                let status = Command::new(format!("{PG_BIN}/pg_restore"))
                    .args(["--no-owner", "--exit-on-error", "--dbname", &url])
                    .arg(backup.join("database/spbe-desk.dump"))
                    .status()
                    .expect("pg_restore");
                assert!(status.success(), "pg_restore failed");
            }
            (url, Some((server, name)))
        }
    };
    let place = Place { url, data_dir: data_dir.path().into(), work_dir: work_dir.path().into() };
    Fresh { place, data_dir: Some(data_dir), _work_dir: work_dir, pg_database }
}

impl Fresh {
    /// Serves the restored installation (the app takes its folder and database).
    pub async fn serve(mut self) -> TestApp {
        let data_dir = self.data_dir.take().expect("not served yet");
        super::spawn_app_on(&self.place.url, data_dir, self.pg_database.take()).await
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_database.take() {
            pg::drop_database(&server, &name);
        }
    }
}

/// Whether a folder is absent or empty.
pub fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut entries| entries.next().is_none())
}

/// Copies a folder (a backup, to tamper with a copy).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
