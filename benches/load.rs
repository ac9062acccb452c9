//! Load harness: fixed-duration scenarios against a running server, each
//! as the kind of user who works that view, printing throughput, latency
//! percentiles, errors and the server's peak RSS.
//!
//! ```text
//! cargo bench --bench load -- --base http://127.0.0.1:8080 --accounts seed.txt \
//!     [--clients 8] [--seconds 15] [--server-pid PID] [--scenario NAME ...]
//! ```
//!
//! `--accounts` is the output of `spbe-desk seed --demo` (or of `admin
//! generate` on an empty database): the demo region's passwords. Exits 1
//! when any request failed. `scripts/bench.sh` starts the database, the
//! generator and the server around it. Without `--base` (as under `cargo
//! test --all-targets`) there is no server to load, and it says so.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

#[derive(Parser, Debug)]
struct Args {
    /// The server's base URL.
    #[arg(long)]
    base: Option<String>,
    /// The seed output holding the demo users' passwords.
    #[arg(long)]
    accounts: Option<std::path::PathBuf>,
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// The server's process id, to report its memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Scenarios to run (default: all, in order).
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Clients for the mixed workload (default: 4 × --clients).
    #[arg(long)]
    mixed_clients: Option<usize>,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

const SCENARIOS: [&str; 14] = [
    "idle",
    "create",
    "tier2_new_by_due",
    "tier2_by_priority",
    "pd_in_progress_by_due",
    "supervisor_due_before",
    "newest_first",
    "read_one",
    "search",
    "summary",
    "sla_report_month",
    "sla_report_30_days",
    "move",
    "mixed",
];

/// Logged-in users and the ids the scenarios work on.
struct World {
    base: String,
    client: reqwest::Client,
    tokens: HashMap<&'static str, String>,
    service_id: String,
    ticket_ids: Vec<String>,
    /// In-progress tickets of the tier-1 technician's unit, one slice per
    /// client, and whether each is pending now.
    movable: Vec<String>,
    pending: std::sync::Mutex<HashMap<String, bool>>,
}

const PEOPLE: [(&str, &str); 4] = [
    ("tier2", "tier2.irfan@majenekab.go.id"),
    ("tier1", "tier1.bkpsdm@majenekab.go.id"),
    ("supervisor", "supervisor@majenekab.go.id"),
    ("reporter", "dewi@majenekab.go.id"),
];

const SEARCHES: [&str; 6] = ["sertifikat", "loket", "sinkronisasi", "arsip", "mengunggah", "kata sandi"];

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn get_json(world: &World, who: &str, path: &str) -> Result<Value, Failure> {
    let response = world.client.get(format!("{}{path}", world.base)).bearer_auth(&world.tokens[who]).send().await?;
    if !response.status().is_success() {
        return Err(format!("GET {path}: {}", response.status()).into());
    }
    Ok(response.json().await?)
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|t| t["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn world(base: String, accounts: &str) -> Result<World, Failure> {
    // Idle connections are dropped before the server's keep-alive (5 s)
    // closes them: reusing one the server just closed fails the request.
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(256).pool_idle_timeout(Duration::from_secs(2)).build()?;
    let passwords: HashMap<&str, &str> = accounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && f[0] == "user").then(|| (f[1], f[2]))
        })
        .collect();
    let mut tokens = HashMap::new();
    for (who, email) in PEOPLE {
        let password = passwords.get(email).ok_or_else(|| format!("no password for {email} in --accounts"))?;
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await?;
        let body: Value = response.json().await?;
        let token = body["access_token"].as_str().ok_or_else(|| format!("login of {email}: {body}"))?;
        tokens.insert(who, token.to_owned());
    }
    let mut world = World {
        base,
        client,
        tokens,
        service_id: String::new(),
        ticket_ids: Vec::new(),
        movable: Vec::new(),
        pending: Default::default(),
    };
    let services = get_json(&world, "reporter", "/api/v1/services?q=SIMPEG").await?;
    world.service_id = ids_of(&services).into_iter().next().ok_or("no SIMPEG service")?;
    // Tickets from all over the history, not only the newest (cache-hot) ones.
    for sort in ["-created", "created", "priority", "-updated", "due"] {
        let page = get_json(&world, "supervisor", &format!("/api/v1/tickets?sort={sort}&limit=200")).await?;
        world.ticket_ids.extend(ids_of(&page));
    }
    // A run that stopped between a ticket's pend and its resume left it
    // pending; resumed here (with the history's pending ones), so that
    // every mover of this run has in-progress tickets of its own.
    let waiting = ids_of(&get_json(&world, "tier1", "/api/v1/tickets?status=pending&tier=1&limit=200").await?);
    for id in waiting {
        let resume = world.client.post(format!("{}/api/v1/tickets/{id}/resume", world.base));
        let response = resume.bearer_auth(&world.tokens["tier1"]).json(&json!({})).send().await?;
        if !response.status().is_success() {
            return Err(format!("resume {id}: {}", response.status()).into());
        }
    }
    world.movable = ids_of(&get_json(&world, "tier1", "/api/v1/tickets?status=in_progress&tier=1&limit=200").await?);
    Ok(world)
}

/// Sends one request of `scenario` (`n`: how many of that scenario this
/// client sent before); an error when the server did not answer 2xx.
async fn once(world: &World, scenario: &str, client_no: usize, n: u64, rng: &mut StdRng) -> Result<(), Failure> {
    let c = &world.client;
    let at = |path: String| format!("{}{path}", world.base);
    let bearer = |who: &str| world.tokens[who].clone();
    // A move's ticket and its state once the move succeeds.
    let mut moved: Option<(String, bool)> = None;
    let request = match scenario {
        "create" => c.post(at("/api/v1/tickets".into())).bearer_auth(bearer("reporter")).json(&json!({
            "type": "incident",
            "title": "SIMPEG lambat dibuka",
            "description": "Halaman daftar pegawai lambat dibuka sejak pagi.",
            "service_id": world.service_id,
            "impact": "medium",
            "urgency": "high",
        })),
        "tier2_new_by_due" => {
            c.get(at("/api/v1/tickets?tier=2&status=new&sort=due&limit=50".into())).bearer_auth(bearer("tier2"))
        }
        "tier2_by_priority" => {
            c.get(at("/api/v1/tickets?tier=2&sort=priority&limit=50".into())).bearer_auth(bearer("tier2"))
        }
        "pd_in_progress_by_due" => {
            c.get(at("/api/v1/tickets?status=in_progress&sort=due&limit=50".into())).bearer_auth(bearer("tier1"))
        }
        "supervisor_due_before" => {
            let before = (Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
            c.get(at(format!("/api/v1/tickets?due_before={before}&sort=due&limit=50")))
                .bearer_auth(bearer("supervisor"))
        }
        "newest_first" => c.get(at("/api/v1/tickets?sort=-created&limit=50".into())).bearer_auth(bearer("supervisor")),
        "read_one" => {
            let id = &world.ticket_ids[rng.gen_range(0..world.ticket_ids.len())];
            let suffix = ["", "/sla", "/events"][(n % 3) as usize];
            c.get(at(format!("/api/v1/tickets/{id}{suffix}"))).bearer_auth(bearer("supervisor"))
        }
        "search" => {
            let q = SEARCHES[rng.gen_range(0..SEARCHES.len())];
            c.get(at(format!("/api/v1/tickets?q={}&limit=50", q.replace(' ', "%20")))).bearer_auth(bearer("tier1"))
        }
        "summary" => c.get(at("/api/v1/tickets/summary".into())).bearer_auth(bearer("supervisor")),
        "sla_report_month" => {
            // Last calendar month in the region's zone (Majene: WITA), as a desk reports it.
            let wita = chrono::FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
            let today = Utc::now().with_timezone(&wita).date_naive();
            let this_month = today.with_day(1).ok_or("day")?;
            let last_month = (this_month - chrono::Duration::days(1)).with_day(1).ok_or("day")?;
            let start = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.format("%Y-%m-%dT%H:%M:%S%%2B08:00"));
            let (from, to) = (start(last_month).ok_or("time")?, start(this_month).ok_or("time")?);
            c.get(at(format!("/api/v1/reports/sla?from={from}&to={to}"))).bearer_auth(bearer("supervisor"))
        }
        "sla_report_30_days" => {
            let to = Utc::now();
            let from = to - chrono::Duration::days(30);
            let f = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            c.get(at(format!("/api/v1/reports/sla?from={}&to={}", f(from), f(to)))).bearer_auth(bearer("supervisor"))
        }
        "move" => {
            // Each client pends and resumes tickets of its own, in turn.
            let mine: Vec<&String> = world.movable.iter().skip(client_no).step_by(MOVERS).collect();
            let Some(id) = mine.get((n / 2) as usize % mine.len().max(1)) else {
                return Err("no in-progress ticket to move".into());
            };
            let pending = world.pending.lock().map_err(|_| "poisoned")?.get(*id).copied().unwrap_or(false);
            moved = Some(((*id).clone(), !pending));
            if !pending {
                c.post(at(format!("/api/v1/tickets/{id}/pending"))).json(&json!({ "reason": "waiting_for_reporter" }))
            } else {
                c.post(at(format!("/api/v1/tickets/{id}/resume"))).json(&json!({}))
            }
            .bearer_auth(bearer("tier1"))
        }
        other => return Err(format!("unknown scenario {other}").into()),
    };
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        return Err(format!("{scenario}: {status} {}", String::from_utf8_lossy(&body)).into());
    }
    if let Some((id, pending)) = moved {
        world.pending.lock().map_err(|_| "poisoned")?.insert(id, pending);
    }
    Ok(())
}

/// The movable tickets are split among at most this many clients.
const MOVERS: usize = 64;

/// The mixed workload's pick: 70 % reads, 15 % creations, 15 % moves.
fn mixed_pick(rng: &mut StdRng) -> &'static str {
    const READS: [&str; 9] = [
        "tier2_new_by_due",
        "tier2_by_priority",
        "pd_in_progress_by_due",
        "supervisor_due_before",
        "newest_first",
        "read_one",
        "search",
        "summary",
        "read_one",
    ];
    match rng.gen_range(0..100) {
        0..70 => READS[rng.gen_range(0..READS.len())],
        70..85 => "create",
        _ => "move",
    }
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

async fn run(world: Arc<World>, scenario: &'static str, clients: usize, seconds: u64, pid: Option<u32>) -> bool {
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
    let rss = peak.load(Ordering::Relaxed);
    println!(
        "{scenario:<24}{clients:>8}{:>10}{:>10.0}{:>10.2}{:>10.2}{:>10.2}{errors:>8}{:>12}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        if rss > 0 { format!("{:.1} MiB", rss as f64 / 1024.0) } else { "-".to_owned() },
    );
    let mut picks: Vec<_> = by_pick.into_iter().collect();
    picks.sort_by_key(|(pick, _)| *pick);
    for (pick, mut took) in picks {
        took.sort_unstable();
        println!(
            "  · {pick:<20}{:>8}{:>10}{:>10}{:>10.2}{:>10.2}{:>10.2}",
            "",
            took.len(),
            "",
            percentile(&took, 50.0),
            percentile(&took, 95.0),
            percentile(&took, 99.0),
        );
    }
    if let Some(e) = first_error {
        println!("    first error: {e}");
    }
    errors == 0
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
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let world = Arc::new(world(base, &std::fs::read_to_string(accounts)?).await?);
        println!(
            "{:<24}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}{:>8}{:>12}",
            "scenario", "clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "peak RSS"
        );
        let mut clean = true;
        for scenario in scenarios {
            if scenario == "idle" {
                let rss = rss_kib(args.server_pid).map_or("-".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
                println!("{:<24}{rss:>88}", "idle (after logins)");
                continue;
            }
            let clients =
                if scenario == "mixed" { args.mixed_clients.unwrap_or(args.clients * 4) } else { args.clients };
            clean &= run(world.clone(), scenario, clients, args.seconds, args.server_pid).await;
        }
        if clean {
            Ok(())
        } else {
            Err("some requests failed".into())
        }
    })
}
