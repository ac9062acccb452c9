//! The `spbe-desk` binary as an operator uses it: serve with no
//! configuration, migrate, seed, admin, and configuration errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::on_both_backends;
use crate::support::{postgres as pg, Backend};

const BIN: &str = env!("CARGO_BIN_EXE_spbe-desk");

/// A working folder and the database URL for one CLI scenario.
pub(crate) struct Workspace {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) url: String,
    pg: Option<(String, String)>,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg {
            pg::drop_database(server, name);
        }
    }
}

pub(crate) fn workspace(backend: Backend) -> Option<Workspace> {
    let dir = tempfile::tempdir().unwrap();
    match backend {
        Backend::Sqlite => Some(Workspace { url: "sqlite://./data/spbe-desk.db".to_owned(), dir, pg: None }),
        Backend::Postgres => {
            let Some(server) = pg::server_url() else {
                assert!(std::env::var("SPBE_REQUIRE_POSTGRES").is_err(), "PostgreSQL is required");
                eprintln!("\n!!! SKIPPED ON POSTGRESQL: no PostgreSQL available !!!\n");
                return None;
            };
            let name = format!("spbe_cli_{}", uuid::Uuid::now_v7().simple());
            let url = pg::create_database(&server, &name);
            Some(Workspace { url, dir, pg: Some((server, name)) })
        }
    }
}

impl Workspace {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("APP__DATABASE__URL", &self.url)
            .env("APP__LOG__LEVEL", "warn")
            .env_remove("APP_ENV")
            .env_remove("RUST_LOG");
        command
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run spbe-desk")
    }
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn the_demo_seed_is_idempotent_and_prints_each_password_once(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    let first = ws.run(&["seed", "--demo"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let printed = stdout(&first);
    let created: Vec<&str> = printed.lines().filter(|l| l.starts_with("user ")).collect();
    assert!(created.len() >= 10, "{}", stdout(&first));
    for role in ["admin", "auditor", "supervisor", "tier2_engineer", "tier1_technician", "reporter", "change_approver"]
    {
        assert!(
            created.iter().any(|l| l.split_whitespace().last().is_some_and(|r| r.split(',').any(|x| x == role))),
            "no {role}"
        );
    }
    assert!(printed.lines().filter(|l| l.starts_with("unit ")).count() >= 7, "a Dinas and at least six PD");
    let second = ws.run(&["seed", "--demo"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(!stdout(&second).lines().any(|l| l.starts_with("user ") || l.starts_with("unit ")), "{}", stdout(&second));
}

async fn admin_commands_bootstrap_a_fresh_installation(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    let migrated = ws.run(&["migrate"]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let unit = ws.run(&[
        "admin",
        "create-unit",
        "--kind",
        "dinas",
        "--code",
        "diskominfo",
        "--name",
        "Dinas Kominfo",
        "--time-zone",
        "Asia/Jayapura",
        "--mailbox",
        "servicedesk@kab.go.id",
    ]);
    assert!(unit.status.success(), "{}", stderr(&unit));
    let mut child = ws
        .command(&[
            "admin",
            "create-user",
            "--name",
            "Admin",
            "--email",
            "Admin@Kab.go.id",
            "--unit",
            "DISKOMINFO",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"rahasia-sekali-123\n").unwrap();
    let user = child.wait_with_output().unwrap();
    assert!(user.status.success(), "{}", stderr(&user));
    assert!(!stdout(&user).contains("password"), "a given password is not echoed");
    let generated = ws.run(&[
        "admin",
        "create-user",
        "--name",
        "Teknisi",
        "--email",
        "t1@kab.go.id",
        "--unit",
        "DISKOMINFO",
        "--role",
        "tier1_technician",
    ]);
    assert!(stdout(&generated).contains("password (shown once): "), "{}", stdout(&generated));
    let duplicate = ws.run(&[
        "admin",
        "create-user",
        "--name",
        "Lagi",
        "--email",
        "admin@kab.go.id",
        "--unit",
        "DISKOMINFO",
        "--role",
        "reporter",
    ]);
    assert!(!duplicate.status.success());
    assert!(stderr(&duplicate).contains("already exists"), "{}", stderr(&duplicate));
    let pd_supervisor = ws.run(&[
        "admin",
        "create-unit",
        "--kind",
        "dinas",
        "--code",
        "KOMINFO2",
        "--name",
        "X",
        "--mailbox",
        "x@kab.go.id",
    ]);
    assert!(stderr(&pd_supervisor).contains("exactly one Dinas"), "{}", stderr(&pd_supervisor));
}

async fn bad_configuration_stops_the_start_naming_the_key(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    let bad_listen = ws.command(&["migrate"]).env("APP__SERVER__LISTEN", "localhost").output().unwrap();
    assert!(!bad_listen.status.success());
    assert!(stderr(&bad_listen).contains("server.listen"), "{}", stderr(&bad_listen));
    let unknown = ws.command(&["migrate"]).env("APP__SERVER__LISTEN_PORT", "9000").output().unwrap();
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("listen_port"), "{}", stderr(&unknown));
    let bad_url = ws.command(&["migrate"]).env("APP__DATABASE__URL", "mysql://x/y").output().unwrap();
    assert!(stderr(&bad_url).contains("database.url"), "{}", stderr(&bad_url));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn serve_starts_with_no_configuration_and_stops_on_sigterm(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    let port = free_port();
    let mut command = ws.command(&[]);
    if backend == Backend::Sqlite {
        command.env_remove("APP__DATABASE__URL");
    }
    let mut child = command
        .env("APP__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ready = false;
    while Instant::now() < deadline && !ready {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready =
            client.get(format!("http://127.0.0.1:{port}/health/ready")).send().await.is_ok_and(|r| r.status() == 200);
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(ready, "the service did not become ready");
    assert!(status.success(), "graceful stop exits 0, got {status}");
    if backend == Backend::Sqlite {
        assert!(ws.dir.path().join("data/spbe-desk.db").exists());
        assert!(ws.dir.path().join("data/jwt-secret").exists(), "a signing secret is generated into ./data");
    }
}

async fn the_audit_log_is_checkpointed_verified_and_exported_from_the_command_line(backend: Backend) {
    let Some(ws) = workspace(backend) else { return };
    assert!(ws.run(&["seed", "--demo"]).status.success());
    let signed = ws.run(&["audit", "checkpoint"]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    assert!(stdout(&signed).starts_with("checkpoint 1 signed"), "{}", stdout(&signed));
    assert!(stdout(&ws.run(&["audit", "checkpoint"])).contains("no chain moved"));
    let verified = ws.run(&["audit", "verify"]);
    assert!(verified.status.success(), "{}{}", stdout(&verified), stderr(&verified));
    assert!(stdout(&verified).contains("1 checkpoints") && stdout(&verified).ends_with("intact\n"));

    let exported = ws.run(&["audit", "export"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let file = ws.dir.path().join("audit.jsonl");
    std::fs::write(&file, &exported.stdout).unwrap();
    let offline = ws.run(&["audit", "verify-export", file.to_str().unwrap()]);
    assert!(offline.status.success(), "{}{}", stdout(&offline), stderr(&offline));
    assert!(stdout(&offline).contains("keys the export names"), "{}", stdout(&offline));

    // A configured signing key that is missing stops the start, naming it.
    let mut serve = ws.command(&["serve"]);
    let failed = serve.env("APP__AUDIT__SIGNING_KEY_FILE", "/nonexistent/audit-key").output().unwrap();
    assert!(!failed.status.success());
    assert!(stderr(&failed).contains("/nonexistent/audit-key"), "{}", stderr(&failed));
}

on_both_backends!(
    the_audit_log_is_checkpointed_verified_and_exported_from_the_command_line,
    the_demo_seed_is_idempotent_and_prints_each_password_once,
    admin_commands_bootstrap_a_fresh_installation,
    bad_configuration_stops_the_start_naming_the_key,
    serve_starts_with_no_configuration_and_stops_on_sigterm,
);
