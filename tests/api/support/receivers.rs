//! Real SMTP server and webhook receiver (Python) for notice tests.
//!
//! Each receiver is a script in `tests/receivers/` run as a child process
//! with its own temporary directory. The script appends one JSON line per
//! accepted message (`messages.jsonl`) or delivery (`deliveries.jsonl`)
//! there, and reads its control files (`reject`, `tempfail`, `fail_data`, `hang`;
//! `mode`, `secrets`) from it at every command, so a test steers a running
//! receiver just by writing files.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a fresh process may take to print its `PORT n` line.
const STARTUP_LIMIT: Duration = Duration::from_secs(10);
/// How long `restart` keeps trying to bind the old port again.
const REBIND_LIMIT: Duration = Duration::from_secs(5);

/// Which receiver to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverKind {
    /// `smtp_sink.py` (aiosmtpd); records `messages.jsonl`.
    Smtp,
    /// `webhook_receiver.py` (standardwebhooks); records `deliveries.jsonl`.
    Webhook,
}

impl ReceiverKind {
    fn script(self) -> &'static str {
        match self {
            ReceiverKind::Smtp => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/receivers/smtp_sink.py"),
            ReceiverKind::Webhook => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/receivers/webhook_receiver.py"),
        }
    }

    /// The Python package the script cannot run without.
    fn module(self) -> &'static str {
        match self {
            ReceiverKind::Smtp => "aiosmtpd",
            ReceiverKind::Webhook => "standardwebhooks",
        }
    }

    fn log(self) -> &'static str {
        match self {
            ReceiverKind::Smtp => "messages.jsonl",
            ReceiverKind::Webhook => "deliveries.jsonl",
        }
    }
}

/// Held connections of a receiver: started and ended so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holds {
    pub started: usize,
    pub ended: usize,
}

/// A running receiver; the process is killed (and its directory removed)
/// when this is dropped.
#[derive(Debug)]
pub struct Receiver {
    kind: ReceiverKind,
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl Receiver {
    /// Starts one; None (printing a loud `!!! SKIPPED: ... pip install
    /// aiosmtpd standardwebhooks !!!` line to stderr) when python3 or the
    /// package is missing, unless env SPBE_REQUIRE_RECEIVERS is set, then
    /// panics with that message (so CI cannot skip silently).
    pub fn start(kind: ReceiverKind) -> Option<Receiver> {
        if !python_has(kind.module()) {
            let message = format!(
                "!!! SKIPPED: the {kind:?} receiver needs python3 with `{}`: pip install aiosmtpd standardwebhooks !!!",
                kind.module()
            );
            if std::env::var_os("SPBE_REQUIRE_RECEIVERS").is_some() {
                panic!("{message} (SPBE_REQUIRE_RECEIVERS is set)");
            }
            eprintln!("\n{message}\n");
            return None;
        }
        let dir = tempfile::tempdir().expect("a temporary directory for a receiver");
        let (child, port) = spawn(kind, dir.path(), 0).unwrap_or_else(|e| panic!("{e}"));
        Some(Receiver { kind, dir, port, child: Some(child) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the records and the control files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kills the process (SIGKILL) and waits for it. The directory (and so
    /// the records and control files) stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill(&mut child);
        }
    }

    /// Starts it again on the same port and directory. Binding is retried
    /// for up to 5 s, in case something else briefly holds the port. Blocks
    /// the calling thread while retrying.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + REBIND_LIMIT;
        loop {
            match spawn(self.kind, self.dir.path(), self.port) {
                Ok((child, _)) => {
                    self.child = Some(child);
                    return;
                }
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => panic!("could not restart the {:?} receiver on port {}: {e}", self.kind, self.port),
            }
        }
    }

    /// Writes DIR/<name> with `content` (e.g. "mode", "reject", "secrets").
    pub fn control(&self, name: &str, content: &str) {
        // Write aside, then rename: the script reads these files at every
        // command and must never see a half-written (e.g. empty) one.
        let path = self.dir.path().join(name);
        let partial = self.dir.path().join(format!(".{name}.partial"));
        std::fs::write(&partial, content).unwrap_or_else(|e| panic!("cannot write {}: {e}", partial.display()));
        std::fs::rename(&partial, &path).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Removes DIR/<name> if present (e.g. "fail_data", which acts by
    /// merely existing).
    pub fn clear_control(&self, name: &str) {
        let path = self.dir.path().join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("cannot remove {}: {e}", path.display()),
        }
    }

    /// Every JSON line recorded so far (messages.jsonl or deliveries.jsonl);
    /// a trailing partial line is ignored.
    pub fn received(&self) -> Vec<Value> {
        self.lines(self.kind.log())
    }

    /// Connections the receiver holds unanswered (its `hang` control):
    /// how many it started holding, and how many of those have ended (the
    /// client gave up, or the hold was released), from DIR/hangs.jsonl.
    pub fn holds(&self) -> Holds {
        let lines = self.lines("hangs.jsonl");
        let count = |state: &str| lines.iter().filter(|l| l["state"] == state).count();
        Holds { started: count("hanging"), ended: count("ended") }
    }

    /// Polls holds() every 50 ms until `done` says so or the timeout;
    /// returns the last reading (the caller asserts on it).
    pub async fn wait_for_holds(&self, done: impl Fn(Holds) -> bool, timeout: Duration) -> Holds {
        let deadline = Instant::now() + timeout;
        loop {
            let holds = self.holds();
            if done(holds) || Instant::now() >= deadline {
                return holds;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The complete JSON lines of DIR/<name> (none if it is missing).
    fn lines(&self, name: &str) -> Vec<Value> {
        let path = self.dir.path().join(name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        // Only lines ended by '\n' are complete: the last one may still be
        // being written. Bytes, not a String, for the same reason (a cut
        // could fall inside a UTF-8 sequence).
        bytes
            .split_inclusive(|&b| b == b'\n')
            .filter(|line| line.last() == Some(&b'\n'))
            .map(|line| {
                serde_json::from_slice::<Value>(line)
                    .unwrap_or_else(|e| panic!("a bad record in {}: {e}", path.display()))
            })
            .collect()
    }

    /// Polls received() every 50 ms until at least n records or the
    /// timeout; returns what it has (the caller asserts on it).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Before the TempDir field goes, so the process never writes into a
        // removed directory; and no receiver outlives its test.
        self.stop();
    }
}

/// Whether `python3` exists and can import `module`.
fn python_has(module: &str) -> bool {
    Command::new("python3")
        .arg("-c")
        .arg(format!("import {module}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
}

fn kill(child: &mut Child) {
    // Errors only mean it has already exited.
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs the script on `port` (0 = any) and reads its `PORT n` line. Err
/// when the process ended without one (e.g. the port was taken; its
/// traceback is on our stderr); panics if it says nothing for 10 s.
fn spawn(kind: ReceiverKind, dir: &Path, port: u16) -> Result<(Child, u16), String> {
    let mut child = Command::new("python3")
        .arg(kind.script())
        .arg("--out")
        .arg(dir)
        .arg("--port")
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run python3 {}: {e}", kind.script()))?;
    let stdout = child.stdout.take().expect("stdout is piped");

    // A thread does the blocking read so a silent child cannot hold us past
    // the limit. It then drains stdout until the child dies, so a stray
    // print never meets a closed pipe.
    let (sender, first_line) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let got = reader.read_line(&mut line).map(|_| line);
        let _ = sender.send(got);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });

    let line = match first_line.recv_timeout(STARTUP_LIMIT) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => {
            kill(&mut child);
            return Err(format!("cannot read the {kind:?} receiver's stdout: {e}"));
        }
        Err(_) => {
            kill(&mut child);
            panic!("the {kind:?} receiver ({}) printed no `PORT n` line within {STARTUP_LIMIT:?}", kind.script());
        }
    };
    match line.trim().strip_prefix("PORT ").and_then(|n| n.parse::<u16>().ok()) {
        Some(bound) => Ok((child, bound)),
        None => {
            kill(&mut child);
            Err(format!(
                "the {kind:?} receiver ({}) exited without its `PORT n` line (read {line:?}); see its stderr above",
                kind.script()
            ))
        }
    }
}
