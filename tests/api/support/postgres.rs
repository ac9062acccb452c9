//! A PostgreSQL server for the tests: `TEST_DATABASE_URL` when set, else a
//! throwaway cluster started from the local PostgreSQL 15 binaries, removed
//! when the test process exits. Each test gets a fresh database.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};

const BIN: &str = "/usr/lib/postgresql/15/bin";

static SERVER: OnceLock<Option<String>> = OnceLock::new();

/// The URL of a maintenance database on a running server, if there is one.
pub fn server_url() -> Option<String> {
    SERVER.get_or_init(|| std::env::var("TEST_DATABASE_URL").ok().or_else(start_throwaway)).clone()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a command as the `postgres` user when we are root (initdb refuses root).
fn as_cluster_owner(program: &str, args: &[&str]) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", program]).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

fn free_port() -> Option<u16> {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).ok()
}

fn start_throwaway() -> Option<String> {
    let initdb = Path::new(BIN).join("initdb");
    if !initdb.exists() {
        return None;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("spbe-desk-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    if is_root() {
        Command::new("chown").args(["postgres:postgres"]).arg(&dir).status().ok()?;
    }
    let dir_str = dir.to_str()?;
    let status = as_cluster_owner(
        initdb.to_str()?,
        &["-D", dir_str, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .status()
    .ok()?;
    if !status.success() {
        eprintln!("initdb failed in {dir_str}");
        return None;
    }
    let port = free_port()?;
    // The server lives as long as this test process; a watcher stops it and
    // removes the cluster when the process is gone.
    let script = format!(
        "{BIN}/postgres -D {dir_str} -p {port} -k {dir_str} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 >{dir_str}/log 2>&1 & pg=$!; \
         while [ -d /proc/{pid} ]; do sleep 1; done; kill -INT $pg; wait $pg; rm -rf {dir_str}",
        pid = std::process::id()
    );
    as_cluster_owner("sh", &["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if PgConnection::establish(&url).is_ok() {
            return Some(url);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("the throwaway PostgreSQL did not start; see {dir_str}/log");
    None
}

/// The same server URL pointing at database `name`.
pub fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

/// Creates an empty database and returns its URL.
pub fn create_database(server_url: &str, name: &str) -> String {
    let mut conn = PgConnection::establish(server_url).expect("connect to the test PostgreSQL server");
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).expect("create a test database");
    with_database(server_url, name)
}

/// Drops a test database, ending its connections.
pub fn drop_database(server_url: &str, name: &str) {
    if let Ok(mut conn) = PgConnection::establish(server_url) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn);
    }
}
