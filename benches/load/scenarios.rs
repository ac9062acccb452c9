//! The scenarios: the logged-in world they work in, and each request as a
//! [`Call`] that the harness sends over HTTP and, for the raw column,
//! hands to the store functions the handler runs (`raw.rs`).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{Datelike, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Value};

pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Every scenario, in the order a full run takes them.
pub const SCENARIOS: [&str; 35] = [
    "idle",
    "create",
    "tier2_new_by_due",
    "tier2_by_priority",
    "pd_in_progress_by_due",
    "pd_pending_by_priority",
    "supervisor_due_before",
    "newest_first",
    "read_one",
    "search",
    "search_vpn_supervisor",
    "search_vpn_pd",
    "search_two_words_supervisor",
    "search_two_words_pd",
    "search_printer_supervisor",
    "search_printer_pd",
    "search_number_supervisor",
    "search_number_pd",
    "search_misspelt_supervisor",
    "search_misspelt_pd",
    "summary",
    "sla_report_month",
    "sla_report_30_days",
    "knowledge_one_word_reporter",
    "knowledge_one_word_pd",
    "knowledge_words_reporter",
    "knowledge_words_pd",
    "knowledge_misspelt_reporter",
    "knowledge_misspelt_pd",
    "knowledge_no_match_reporter",
    "knowledge_no_match_pd",
    "knowledge_suggest_reporter",
    "knowledge_suggest_pd",
    "move",
    "mixed",
];

/// Knowledge searches of issue 27 (`admin generate --articles N` draws its
/// articles' words from the demo's, so these find many): one common word,
/// several words, misspelt words, words no article holds, and a reporter's
/// text at intake, each as a reporter and as a PD's tier-1 technician.
const KNOWLEDGE: [(&str, &str, &str); 10] = [
    ("knowledge_one_word_reporter", "reporter", "search?q=simpeg"),
    ("knowledge_one_word_pd", "tier1", "search?q=simpeg"),
    ("knowledge_words_reporter", "reporter", "search?q=lupa%20password%20email%20dinas"),
    ("knowledge_words_pd", "tier1", "search?q=lupa%20password%20email%20dinas"),
    ("knowledge_misspelt_reporter", "reporter", "search?q=pasword%20simpge%20terkunci"),
    ("knowledge_misspelt_pd", "tier1", "search?q=pasword%20simpge%20terkunci"),
    ("knowledge_no_match_reporter", "reporter", "search?q=kapal%20selam%20zqx"),
    ("knowledge_no_match_pd", "tier1", "search?q=kapal%20selam%20zqx"),
    ("knowledge_suggest_reporter", "reporter", "suggest?text=gak%20bisa%20login%20simpeg%2C%20lupa%20pw&service_id="),
    ("knowledge_suggest_pd", "tier1", "suggest?text=gak%20bisa%20login%20simpeg%2C%20lupa%20pw&service_id="),
];

/// What a search of issue 25 looks for.
enum Words {
    Text(&'static str),
    /// A ticket number the searcher can see.
    TicketNumber,
}

/// Searches that find nothing, rare words or one ticket, each as a
/// supervisor (every ticket) and as a PD's tier-1 technician (one unit).
const SEARCHES_FOR_LITTLE: [(&str, &str, Words); 10] = [
    ("search_vpn_supervisor", "supervisor", Words::Text("vpn")),
    ("search_vpn_pd", "tier1", Words::Text("vpn")),
    ("search_two_words_supervisor", "supervisor", Words::Text("simpeg login")),
    ("search_two_words_pd", "tier1", Words::Text("simpeg login")),
    ("search_printer_supervisor", "supervisor", Words::Text("printer")),
    ("search_printer_pd", "tier1", Words::Text("printer")),
    ("search_number_supervisor", "supervisor", Words::TicketNumber),
    ("search_number_pd", "tier1", Words::TicketNumber),
    ("search_misspelt_supervisor", "supervisor", Words::Text("sertifkat")),
    ("search_misspelt_pd", "tier1", Words::Text("sertifkat")),
];

/// The everyday searches of a PD's technician, words the history holds.
const SEARCHES: [&str; 6] = ["sertifikat", "loket", "sinkronisasi", "arsip", "mengunggah", "kata sandi"];

pub const PEOPLE: [(&str, &str); 4] = [
    ("tier2", "tier2.irfan@majenekab.go.id"),
    ("tier1", "tier1.bkpsdm@majenekab.go.id"),
    ("supervisor", "supervisor@majenekab.go.id"),
    ("reporter", "dewi@majenekab.go.id"),
];

/// The movable tickets are split among at most this many clients.
pub const MOVERS: usize = 64;

/// Logged-in users and the ids the scenarios work on.
pub struct World {
    pub base: String,
    pub client: reqwest::Client,
    pub tokens: HashMap<&'static str, String>,
    pub service_id: String,
    ticket_ids: Vec<String>,
    /// Ticket numbers each searcher can see.
    numbers: HashMap<&'static str, Vec<String>>,
    /// In-progress tickets of the tier-1 technician's unit, one slice per
    /// client, and whether each is pending now.
    movable: Vec<String>,
    pending: std::sync::Mutex<HashMap<String, bool>>,
}

/// One request of a scenario.
pub enum Call {
    Get {
        who: &'static str,
        path: String,
    },
    /// The tier-1 technician pends (`pend`) or resumes a ticket of theirs.
    Move {
        id: String,
        pend: bool,
    },
    /// The reporter files an incident.
    Create,
}

pub async fn get_json(world: &World, who: &str, path: &str) -> Result<Value, Failure> {
    let response = world.client.get(format!("{}{path}", world.base)).bearer_auth(&world.tokens[who]).send().await?;
    if !response.status().is_success() {
        return Err(format!("GET {path}: {}", response.status()).into());
    }
    Ok(response.json().await?)
}

fn field_of(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|t| t[field].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

pub async fn world(base: String, accounts: &str) -> Result<World, Failure> {
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
        numbers: HashMap::new(),
        movable: Vec::new(),
        pending: Default::default(),
    };
    let services = get_json(&world, "reporter", "/api/v1/services?q=SIMPEG").await?;
    world.service_id = field_of(&services, "id").into_iter().next().ok_or("no SIMPEG service")?;
    // Tickets from all over the history, not only the newest (cache-hot) ones.
    for sort in ["-created", "created", "priority", "-updated", "due"] {
        let page = get_json(&world, "supervisor", &format!("/api/v1/tickets?sort={sort}&limit=200")).await?;
        world.ticket_ids.extend(field_of(&page, "id"));
        world.numbers.entry("supervisor").or_default().extend(field_of(&page, "number"));
    }
    let unit_page = get_json(&world, "tier1", "/api/v1/tickets?sort=created&limit=200").await?;
    world.numbers.insert("tier1", field_of(&unit_page, "number"));
    // A run that stopped between a ticket's pend and its resume left it
    // pending; resumed here (with the history's pending ones), so that
    // every mover of this run has in-progress tickets of its own.
    let waiting = field_of(&get_json(&world, "tier1", "/api/v1/tickets?status=pending&tier=1&limit=200").await?, "id");
    for id in waiting {
        let resume = world.client.post(format!("{}/api/v1/tickets/{id}/resume", world.base));
        let response = resume.bearer_auth(&world.tokens["tier1"]).json(&json!({})).send().await?;
        if !response.status().is_success() {
            return Err(format!("resume {id}: {}", response.status()).into());
        }
    }
    let in_progress = get_json(&world, "tier1", "/api/v1/tickets?status=in_progress&tier=1&limit=200").await?;
    world.movable = field_of(&in_progress, "id");
    Ok(world)
}

fn get(who: &'static str, path: String) -> Call {
    Call::Get { who, path }
}

/// The request `n` (how many of that scenario this client sent before) of
/// `scenario`.
pub fn call_of(world: &World, scenario: &str, client_no: usize, n: u64, rng: &mut StdRng) -> Result<Call, Failure> {
    let list = |who, query: &str| get(who, format!("/api/v1/tickets?{query}"));
    Ok(match scenario {
        "create" => Call::Create,
        "tier2_new_by_due" => list("tier2", "tier=2&status=new&sort=due&limit=50"),
        "tier2_by_priority" => list("tier2", "tier=2&sort=priority&limit=50"),
        "pd_in_progress_by_due" => list("tier1", "status=in_progress&sort=due&limit=50"),
        "pd_pending_by_priority" => list("tier1", "status=pending&sort=priority&limit=50"),
        "supervisor_due_before" => {
            let before = (Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
            list("supervisor", &format!("due_before={before}&sort=due&limit=50"))
        }
        "newest_first" => list("supervisor", "sort=-created&limit=50"),
        "read_one" => {
            let id = &world.ticket_ids[rng.gen_range(0..world.ticket_ids.len())];
            let suffix = ["", "/sla", "/events"][(n % 3) as usize];
            get("supervisor", format!("/api/v1/tickets/{id}{suffix}"))
        }
        "search" => {
            let q = SEARCHES[rng.gen_range(0..SEARCHES.len())];
            list("tier1", &format!("q={}&limit=50", q.replace(' ', "%20")))
        }
        "summary" => get("supervisor", "/api/v1/tickets/summary".into()),
        "sla_report_month" => {
            // Last calendar month in the region's zone (Majene: WITA), as a desk reports it.
            let wita = chrono::FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
            let today = Utc::now().with_timezone(&wita).date_naive();
            let this_month = today.with_day(1).ok_or("day")?;
            let last_month = (this_month - chrono::Duration::days(1)).with_day(1).ok_or("day")?;
            let start = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.format("%Y-%m-%dT%H:%M:%S%%2B08:00"));
            let (from, to) = (start(last_month).ok_or("time")?, start(this_month).ok_or("time")?);
            get("supervisor", format!("/api/v1/reports/sla?from={from}&to={to}"))
        }
        "sla_report_30_days" => {
            let to = Utc::now();
            let from = to - chrono::Duration::days(30);
            let f = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            get("supervisor", format!("/api/v1/reports/sla?from={}&to={}", f(from), f(to)))
        }
        "move" => {
            // Each client pends and resumes tickets of its own, in turn.
            let mine: Vec<&String> = world.movable.iter().skip(client_no).step_by(MOVERS).collect();
            let Some(id) = mine.get((n / 2) as usize % mine.len().max(1)) else {
                return Err("no in-progress ticket to move".into());
            };
            let pending = world.pending.lock().map_err(|_| "poisoned")?.get(*id).copied().unwrap_or(false);
            Call::Move { id: (*id).clone(), pend: !pending }
        }
        other if other.starts_with("knowledge_") => {
            let (_, who, request) =
                KNOWLEDGE.iter().find(|(name, ..)| *name == other).ok_or(format!("unknown scenario {other}"))?;
            let service = if request.ends_with("service_id=") { world.service_id.as_str() } else { "" };
            get(who, format!("/api/v1/knowledge/{request}{service}"))
        }
        other => {
            let (_, who, words) = SEARCHES_FOR_LITTLE
                .iter()
                .find(|(name, ..)| *name == other)
                .ok_or(format!("unknown scenario {other}"))?;
            let q = match words {
                Words::Text(text) => text.replace(' ', "%20"),
                Words::TicketNumber => {
                    let numbers = world.numbers.get(who).filter(|n| !n.is_empty()).ok_or("no ticket numbers")?;
                    numbers[(n as usize) % numbers.len()].clone()
                }
            };
            list(*who, &format!("q={q}&limit=50"))
        }
    })
}

/// Notes a move that succeeded, so that the next one of its ticket undoes it.
pub fn moved(world: &World, call: &Call) -> Result<(), Failure> {
    if let Call::Move { id, pend } = call {
        world.pending.lock().map_err(|_| "poisoned")?.insert(id.clone(), *pend);
    }
    Ok(())
}

/// The mixed workload's pick: 70 % reads, 15 % creations, 15 % moves.
pub fn mixed_pick(rng: &mut StdRng) -> &'static str {
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
