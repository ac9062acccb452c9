//! The raw column: each scenario's request handed straight to the store
//! functions its handler runs, on the harness's own connections to the
//! same database at the same concurrency. The query strings are read by
//! the service's own parsers (`filter_from`, `report_filter`) and the
//! handlers' reads are the library's (`summary_of`, `sla_of`,
//! `events_of`), so the raw query cannot drift from the served one. What
//! the HTTP figure adds over this one is the service's own cost: the
//! token's session lookup, the pool, JSON, HTTP.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::web::Query;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use rand::rngs::StdRng;
use rand::SeedableRng;
use spbe_desk::api::knowledge::search::{search_of, suggest_of};
use spbe_desk::api::knowledge::types::{SearchQuery, SuggestQuery};
use spbe_desk::api::reports::{report_filter, SlaReportQuery};
use spbe_desk::api::tickets::types::TicketQuery;
use spbe_desk::api::tickets::{comments::events_of, filter_from, resolve, sla::sla_of, summary_of};
use spbe_desk::auth::cursor_seal::CursorKey;
use spbe_desk::auth::keys::SigningKey;
use spbe_desk::config::KnowledgeSettings;
use spbe_desk::db::tickets::{self, TransitionRequest};
use spbe_desk::db::{Db, DbConnection, DbUrl};
use spbe_desk::domain::journal::Context;
use spbe_desk::domain::knowledge::access::ArticleVisibility;
use spbe_desk::domain::policy::Principal;
use spbe_desk::domain::ticket::access::TicketScope;
use spbe_desk::domain::ticket::{Command, PendingReason};
use spbe_desk::domain::version::Precondition;
use uuid::Uuid;

use crate::scenarios::{call_of, moved, Call, Failure, World, MOVERS};

/// The harness's own way into the database, as the users it logged in.
pub struct Raw {
    db: Db,
    principals: HashMap<&'static str, Principal>,
    /// No cursor is sent, so any key reads the queries as the server does.
    cursors: CursorKey,
    /// The server's default synonyms (the bench does not configure any).
    knowledge: KnowledgeSettings,
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: Uuid,
    sid: Uuid,
}

impl Raw {
    /// Connects `clients` connections and finds, for each logged-in user,
    /// the principal the server finds behind their token.
    pub fn connect(url: &str, clients: usize, world: &World) -> Result<Self, Failure> {
        let db = Db::connect(&DbUrl::parse(url)?, clients as u32)?;
        let mut conn = db.conn()?;
        let mut principals = HashMap::new();
        for (who, token) in &world.tokens {
            let payload = token.split('.').nth(1).ok_or("a token without claims")?;
            let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?;
            let principal = spbe_desk::db::sessions::principal(&mut conn, claims.sub, claims.sid)?
                .ok_or_else(|| format!("no open session for {who}"))?;
            principals.insert(*who, principal);
        }
        Ok(Self {
            db,
            principals,
            cursors: CursorKey::derive(&SigningKey::Secret(Vec::new())),
            knowledge: KnowledgeSettings::default(),
        })
    }

    /// What the handler of `call` reads or writes, without HTTP.
    fn call(&self, conn: &mut DbConnection, call: &Call) -> Result<(), Failure> {
        match call {
            Call::Get { who, path } => self.get(conn, &self.principals[who], path),
            Call::Move { id, pend } => {
                let principal = &self.principals["tier1"];
                let id = resolve(conn, &TicketScope::of(principal), id)?;
                let command =
                    if *pend { Command::Pend { reason: PendingReason::WaitingForReporter } } else { Command::Resume };
                let request = TransitionRequest { command, precondition: Precondition::None, resolve_linked: false };
                let ctx = Context::new(Some(principal.actor), None, Utc::now());
                tickets::transition(conn, &ctx, principal, id, &request, chrono::Duration::days(7))?;
                Ok(())
            }
            Call::Create => Err("creation's raw figure is pgbench tpcb-like".into()),
        }
    }

    fn get(&self, conn: &mut DbConnection, principal: &Principal, path: &str) -> Result<(), Failure> {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let scope = TicketScope::of(principal);
        match route.strip_prefix("/api/v1/tickets").map(|rest| rest.trim_start_matches('/')) {
            Some("") => {
                let filter = filter_from(Query::<TicketQuery>::from_query(query)?.into_inner(), &self.cursors)?;
                tickets::list(conn, &scope, &filter)?;
            }
            Some("summary") => {
                let filter = filter_from(Query::<TicketQuery>::from_query(query)?.into_inner(), &self.cursors)?;
                summary_of(conn, principal, &filter)?;
            }
            Some(one) => match one.split_once('/') {
                None => {
                    let id = resolve(conn, &scope, one)?;
                    tickets::find(conn, &scope, id)?;
                }
                Some((id, "sla")) => drop(sla_of(conn, principal, id, Utc::now())?),
                Some((id, "events")) => drop(events_of(conn, principal, id)?),
                Some(_) => return Err(format!("no raw form of GET {path}").into()),
            },
            None if route == "/api/v1/knowledge/search" || route == "/api/v1/knowledge/suggest" => {
                let knowledge = &self.knowledge;
                let (parsed, scope) = if route.ends_with("search") {
                    search_of(&Query::<SearchQuery>::from_query(query)?.into_inner(), knowledge)?
                } else {
                    suggest_of(&Query::<SuggestQuery>::from_query(query)?.into_inner(), knowledge)?
                };
                spbe_desk::db::knowledge::search::search(conn, &ArticleVisibility::of(principal), parsed, &scope)?;
            }
            None if route == "/api/v1/reports/sla" => {
                let filter = report_filter(&Query::<SlaReportQuery>::from_query(query)?.into_inner())?;
                spbe_desk::db::sla_report::tally(conn, &scope, &filter, Utc::now())?;
            }
            None => return Err(format!("no raw form of GET {path}").into()),
        }
        Ok(())
    }

    /// Runs `scenario` for `seconds` on `clients` threads, each on its own
    /// connection, with the same calls (same seeds) as the HTTP run; the
    /// latencies in µs, or `None` for a scenario with no raw form.
    pub fn measure(
        &self,
        world: &World,
        scenario: &str,
        clients: usize,
        seconds: u64,
    ) -> Result<Option<Vec<u64>>, Failure> {
        if scenario == "create" {
            return Ok(None);
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let runs = std::thread::scope(|threads| {
            let workers: Vec<_> = (0..clients)
                .map(|client_no| threads.spawn(move || self.client(world, scenario, client_no, deadline)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().map_err(|_| Failure::from("a raw client panicked"))?)
                .collect::<Vec<_>>()
        });
        let mut latencies = Vec::new();
        for run in runs {
            latencies.extend(run?);
        }
        latencies.sort_unstable();
        Ok(Some(latencies))
    }

    fn client(&self, world: &World, scenario: &str, client_no: usize, deadline: Instant) -> Result<Vec<u64>, Failure> {
        let mut conn = self.db.conn()?;
        let mut rng = StdRng::seed_from_u64(client_no as u64);
        let mut latencies = Vec::new();
        let mut n = 0;
        while Instant::now() < deadline {
            let call = call_of(world, scenario, client_no % MOVERS, n, &mut rng)?;
            let sent = Instant::now();
            self.call(&mut conn, &call).map_err(|e| format!("raw {scenario}: {e}"))?;
            latencies.push(sent.elapsed().as_micros() as u64);
            moved(world, &call)?;
            n += 1;
        }
        Ok(latencies)
    }
}
