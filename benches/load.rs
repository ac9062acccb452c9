//! Load harness: fixed-duration scenarios against a running server, each
//! as the kind of user who works that view, printing throughput, latency
//! percentiles, errors and the server's peak RSS; beside them the raw
//! column: the same requests' store work run straight against the same
//! database at the same concurrency (`raw.rs`), and p99 HTTP / raw.
//!
//! ```text
//! cargo bench --bench load -- --base http://127.0.0.1:8080 --accounts seed.txt \
//!     [--database-url URL] [--clients 8] [--seconds 15] [--raw-seconds S] \
//!     [--server-pid PID] [--scenario NAME ...]
//! ```
//!
//! `--accounts` is the output of `spbe-desk seed --demo` (or of `admin
//! generate` on an empty database): the demo region's passwords. Exits 1
//! when any request failed. `scripts/bench.sh` starts the database, the
//! generator and the server around it. Without `--base` (as under `cargo
//! test --all-targets`) there is no server to load, and it says so.

#[path = "load/raw.rs"]
mod raw;
#[path = "load/scenarios.rs"]
mod scenarios;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

use raw::Raw;
use scenarios::{call_of, mixed_pick, moved, world, Call, Failure, World, MOVERS, SCENARIOS};

#[derive(Parser, Debug)]
struct Args {
    /// The server's base URL.
    #[arg(long)]
    base: Option<String>,
    /// The seed output holding the demo users' passwords.
    #[arg(long)]
    accounts: Option<std::path::PathBuf>,
    /// The server's database, for the raw column (the same requests run
    /// by the store functions directly); without it, no raw column.
    #[arg(long, env = "APP__DATABASE__URL")]
    database_url: Option<String>,
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// How long each raw run takes (default: --seconds).
    #[arg(long)]
    raw_seconds: Option<u64>,
    /// The server's process id, to report its memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Scenarios to run (default: all, in order, then `mixed`).
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Clients for the mixed workload (default: 4 × --clients).
    #[arg(long)]
    mixed_clients: Option<usize>,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Sends `call` over HTTP; an error when the server did not answer 2xx.
async fn send(world: &World, call: &Call) -> Result<(), Failure> {
    let c = &world.client;
    let at = |path: &str| format!("{}{path}", world.base);
    let bearer = |who: &str| world.tokens[who].clone();
    let request = match call {
        Call::Create => c.post(at("/api/v1/tickets")).bearer_auth(bearer("reporter")).json(&json!({
            "type": "incident",
            "title": "SIMPEG lambat dibuka",
            "description": "Halaman daftar pegawai lambat dibuka sejak pagi.",
            "service_id": world.service_id,
            "impact": "medium",
            "urgency": "high",
        })),
        Call::Get { who, path } => c.get(at(path)).bearer_auth(bearer(who)),
        Call::Move { id, pend: true } => c
            .post(at(&format!("/api/v1/tickets/{id}/pending")))
            .json(&json!({ "reason": "waiting_for_reporter" }))
            .bearer_auth(bearer("tier1")),
        Call::Move { id, pend: false } => {
            c.post(at(&format!("/api/v1/tickets/{id}/resume"))).json(&json!({})).bearer_auth(bearer("tier1"))
        }
    };
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        return Err(format!("{status} {}", String::from_utf8_lossy(&body)).into());
    }
    moved(world, call)
}

/// Sends one request of `scenario` (`n`: how many of that scenario this
/// client sent before).
async fn once(world: &World, scenario: &str, client_no: usize, n: u64, rng: &mut StdRng) -> Result<(), Failure> {
    let call = call_of(world, scenario, client_no, n, rng)?;
    send(world, &call).await.map_err(|e| format!("{scenario}: {e}").into())
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

struct Outcome {
    latencies_us: Vec<u64>,
    /// The mixed workload's latencies by what was picked.
    by_pick: HashMap<&'static str, Vec<u64>>,
    errors: u64,
    first_error: Option<String>,
}

/// One scenario's HTTP run.
struct Measured {
    /// Answered requests' latencies in µs, sorted.
    latencies: Vec<u64>,
    per_second: f64,
    errors: u64,
    first_error: Option<String>,
    /// The server's peak RSS in KiB (0: unknown).
    rss: u64,
    by_pick: HashMap<&'static str, Vec<u64>>,
}

async fn run(world: Arc<World>, scenario: &'static str, clients: usize, seconds: u64, pid: Option<u32>) -> Measured {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let peak = Arc::new(AtomicU64::new(rss_kib(pid).unwrap_or(0)));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            while Instant::now() < deadline {
                peak.fetch_max(rss_kib(pid).unwrap_or(0), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let mut workers = Vec::new();
    for client_no in 0..clients {
        let world = world.clone();
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(client_no as u64);
            let mut outcome =
                Outcome { latencies_us: Vec::new(), by_pick: HashMap::new(), errors: 0, first_error: None };
            let mut sent_so_far: HashMap<&str, u64> = HashMap::new();
            while Instant::now() < deadline {
                let pick = if scenario == "mixed" { mixed_pick(&mut rng) } else { scenario };
                let n = sent_so_far.entry(pick).or_default();
                let sent = Instant::now();
                let result = once(&world, pick, client_no % MOVERS, *n, &mut rng).await;
                // Only answered requests count: a fast refusal is no figure.
                if result.is_ok() {
                    let took = sent.elapsed().as_micros() as u64;
                    outcome.latencies_us.push(took);
                    if scenario == "mixed" {
                        outcome.by_pick.entry(pick).or_default().push(took);
                    }
                }
                *n += 1;
                if let Err(e) = result {
                    outcome.errors += 1;
                    outcome.first_error.get_or_insert(e.to_string());
                }
            }
            outcome
        }));
    }
    let mut latencies = Vec::new();
    let mut by_pick: HashMap<&str, Vec<u64>> = HashMap::new();
    let (mut errors, mut first_error) = (0, None);
    for worker in workers {
        if let Ok(outcome) = worker.await {
            latencies.extend(outcome.latencies_us);
            for (pick, took) in outcome.by_pick {
                by_pick.entry(pick).or_default().extend(took);
            }
            errors += outcome.errors;
            first_error = first_error.or(outcome.first_error);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = sampler.await;
    latencies.sort_unstable();
    let per_second = latencies.len() as f64 / elapsed;
    Measured { latencies, per_second, errors, first_error, rss: peak.load(Ordering::Relaxed), by_pick }
}

/// The header of the table [`report`] prints rows of.
fn header() {
    println!(
        "{:<28}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>8}{:>8}{:>12}",
        "scenario",
        "clients",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "raw p50",
        "raw p99",
        "×p99",
        "errors",
        "peak RSS"
    );
}

/// One scenario's row: HTTP figures, the raw ones (the same requests' store
/// work on the harness's own connections) and p99 HTTP / raw.
fn report(scenario: &str, clients: usize, http: &Measured, raw: Option<&[u64]>) {
    let p99 = percentile(&http.latencies, 99.0);
    let (raw_p50, raw_p99, ratio) = match raw {
        Some(raw) if !raw.is_empty() => {
            let raw_p99 = percentile(raw, 99.0);
            let ratio = if raw_p99 > 0.0 { format!("{:.1}", p99 / raw_p99) } else { "-".to_owned() };
            (format!("{:.2}", percentile(raw, 50.0)), format!("{raw_p99:.2}"), ratio)
        }
        _ => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
    };
    println!(
        "{scenario:<28}{clients:>8}{:>10}{:>10.0}{:>10.2}{:>10.2}{p99:>10.2}{raw_p50:>10}{raw_p99:>10}{ratio:>8}{:>8}{:>12}",
        http.latencies.len(),
        http.per_second,
        percentile(&http.latencies, 50.0),
        percentile(&http.latencies, 95.0),
        http.errors,
        if http.rss > 0 { format!("{:.1} MiB", http.rss as f64 / 1024.0) } else { "-".to_owned() },
    );
    let mut picks: Vec<_> = http.by_pick.iter().collect();
    picks.sort_by_key(|(pick, _)| **pick);
    for (pick, took) in picks {
        let mut took = took.clone();
        took.sort_unstable();
        println!(
            "  · {pick:<24}{:>8}{:>10}{:>10}{:>10.2}{:>10.2}{:>10.2}",
            "",
            took.len(),
            "",
            percentile(&took, 50.0),
            percentile(&took, 95.0),
            percentile(&took, 99.0),
        );
    }
    if let Some(e) = &http.first_error {
        println!("    first error: {e}");
    }
}

fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let (Some(base), Some(accounts)) = (args.base.clone(), args.accounts.clone()) else {
        println!("load: no --base and --accounts given, so no server to load (see scripts/bench.sh)");
        return Ok(());
    };
    let scenarios: Vec<&'static str> = if args.scenarios.is_empty() {
        SCENARIOS.to_vec()
    } else {
        let mut chosen = Vec::new();
        for name in &args.scenarios {
            chosen.push(*SCENARIOS.iter().find(|s| *s == name).ok_or_else(|| format!("unknown scenario {name}"))?);
        }
        chosen
    };
    let most_clients = args.clients.max(args.mixed_clients.unwrap_or(args.clients * 4));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let world = Arc::new(world(base, &std::fs::read_to_string(accounts)?).await?);
        let raw = args.database_url.as_deref().map(|url| Raw::connect(url, most_clients, &world)).transpose()?;
        header();
        let mut clean = true;
        for scenario in scenarios {
            if scenario == "idle" {
                let rss = rss_kib(args.server_pid).map_or("-".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
                println!("{:<28}{rss:>124}", "idle (after logins)");
                continue;
            }
            let clients =
                if scenario == "mixed" { args.mixed_clients.unwrap_or(args.clients * 4) } else { args.clients };
            let http = run(world.clone(), scenario, clients, args.seconds, args.server_pid).await;
            clean &= http.errors == 0;
            let raw_seconds = args.raw_seconds.unwrap_or(args.seconds);
            let raw = match (&raw, scenario) {
                (Some(raw), scenario) if scenario != "mixed" => {
                    tokio::task::block_in_place(|| raw.measure(&world, scenario, clients, raw_seconds))?
                }
                _ => None,
            };
            report(scenario, clients, &http, raw.as_deref());
        }
        if clean {
            Ok(())
        } else {
            Err("some requests failed".into())
        }
    })
}
