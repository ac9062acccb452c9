//! Lives a drawn [`Fate`] through the service's own rules: the workflow
//! moves, the SLA clocks (started, paused, stopped, warned and breached as
//! the sweeper would), and the journal entries each step writes.

use chrono::{DateTime, Duration, Utc};
use uuid::{NoContext, Timestamp, Uuid};

use super::mix::{Fate, Step};
use crate::db::journal::bulk::BulkJournal;
use crate::db::journal::snapshot;
use crate::db::sla::clocks::StoredClock;
use crate::db::sla::context::SlaContext;
use crate::db::tickets::{GeneratedTicket, Ticket};
use crate::db::{sla, StoreError};
use crate::domain::journal::{Context, Entry, Event, MoveClocks, Subject};
use crate::domain::policy::Actor;
use crate::domain::sla::alerts::{next_alert, Alert, Next};
use crate::domain::sla::clock::{Clock, ClockKind};
use crate::domain::sla::lifecycle::{self, MoveFacts, Needs};
use crate::domain::ticket::priority::PriorityMatrix;
use crate::domain::ticket::workflow::{self, Command, TicketState};
use crate::domain::ticket::{Priority, Status, Tier};

/// A unit's desk: its tier-1 technicians and reporters.
pub struct Desk {
    pub unit_id: Uuid,
    pub technicians: Vec<Uuid>,
    pub reporters: Vec<Uuid>,
}

/// A service tickets are filed against, with the SLA each desk's tickets
/// of it run under (`None`: no calendar or policy applies).
pub struct CatalogService {
    pub id: Uuid,
    pub name: String,
    pub direct_tier2: bool,
    pub sla: Vec<Option<SlaContext>>,
}

/// The region the tickets are filed in.
pub struct Region {
    pub desks: Vec<Desk>,
    pub engineers: Vec<Uuid>,
    pub services: Vec<CatalogService>,
}

/// A ticket at the end of its history, with its clocks.
pub struct Lived {
    pub ticket: GeneratedTicket,
    pub clocks: Vec<StoredClock>,
}

/// A time-ordered id of an instant in the past (ids sort as tickets were filed).
fn id_at(at: DateTime<Utc>) -> Uuid {
    let nanos = at.timestamp_subsec_nanos();
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(Timestamp::from_unix(NoContext, seconds, nanos))
}

fn pick(list: &[Uuid], n: usize) -> Option<Uuid> {
    (!list.is_empty()).then(|| list[n % list.len()])
}

struct Life<'a> {
    ticket: Ticket,
    clocks: Vec<StoredClock>,
    sla: Option<&'a SlaContext>,
    journal: &'a mut BulkJournal,
}

impl Life<'_> {
    fn state(&self) -> TicketState {
        TicketState {
            status: self.ticket.status,
            tier: self.ticket.tier,
            assignee: self.ticket.assignee_id,
            resolved_at: self.ticket.resolved_at,
        }
    }

    /// Records the warnings and breaches that fell due up to `until`, at
    /// the instants they fell due, as the sweeper does.
    fn sweep(&mut self, until: DateTime<Utc>) -> Result<(), StoreError> {
        let Some(sla) = self.sla else { return Ok(()) };
        let critical = self.ticket.priority == Priority::Critical;
        for i in 0..self.clocks.len() {
            loop {
                let c = &self.clocks[i];
                let Some(schedule) = c.watched() else { break };
                let Next::Fire(alert, at) = next_alert(schedule, c.recorded(), critical, &sla.calendar.working, until)
                else {
                    break;
                };
                let c = &mut self.clocks[i];
                match alert {
                    Alert::Warning => c.warned_at = Some(at),
                    Alert::Breach => c.breached_at = Some(at),
                }
                let (id, c) = (self.ticket.id, self.clocks[i].clone());
                self.alert(&Context::new(None, None, at), id, &c, alert)?;
            }
        }
        self.summarise(until);
        Ok(())
    }

    fn alert(&mut self, ctx: &Context, ticket_id: Uuid, c: &StoredClock, alert: Alert) -> Result<(), StoreError> {
        self.journal.record(ctx, Entry::new(Subject::Ticket(ticket_id), sla::lifecycle::alert_event(c, alert)))
    }

    /// The row's summary of the clocks (earliest due, breached clocks), as
    /// `clocks::summarise` makes it; returns the next check.
    fn summarise(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let critical = self.ticket.priority == Priority::Critical;
        let sla = self.sla;
        let summary = sla::clocks::summary_of(&self.clocks, |c| {
            Ok::<_, std::convert::Infallible>(match (sla, c.watched()) {
                (Some(sla), Some(schedule)) => next_alert(schedule, c.recorded(), critical, &sla.calendar.working, now),
                _ => Next::Done,
            })
        });
        let Ok(summary) = summary;
        self.ticket.sla_due_at = summary.due_at;
        self.ticket.sla_breached =
            self.clocks.iter().filter(|c| c.breached_at.is_some()).map(|c| c.clock.kind).collect();
        summary.check_at
    }

    /// One workflow move at `at` by `actor`, as `tickets::transition` writes it.
    fn step(&mut self, step: Step, actor: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.sweep(at)?;
        let command = match step {
            Step::Assign => Command::Assign { assignee: actor },
            Step::Start => Command::Start { actor },
            Step::Pend(reason) => Command::Pend { reason },
            Step::Resume => Command::Resume,
            Step::Escalate => Command::Escalate {
                reason: "Perlu akses server aplikasi di pusat data".to_owned(),
                steps_taken: "Sudah dicek koneksi, akun dan cache peramban".to_owned(),
            },
            Step::Return => {
                Command::Return { instructions: "Mohon lengkapi tangkapan layar dan waktu kejadian".to_owned() }
            }
            Step::Resolve(code) => {
                Command::Resolve { code, resolution: "Konfigurasi diperbaiki dan diuji bersama pelapor".to_owned() }
            }
            Step::Close => Command::Close,
        };
        let before = self.ticket.clone();
        let next = workflow::apply(&self.state(), &command, at, Duration::days(7))
            .map_err(|e| StoreError::Corrupt(format!("generated life: {e}")))?;
        let kind = command.kind();
        let t = &mut self.ticket;
        match &command {
            Command::Resolve { code, resolution } => {
                t.resolution_code = Some(*code);
                t.resolution = Some(resolution.clone());
            }
            Command::Pend { reason } => t.pending_reason = Some(*reason),
            _ => {}
        }
        if next.status != Status::Pending {
            t.pending_reason = None;
        }
        if kind == workflow::CommandKind::Escalate {
            t.escalation_count += 1;
            t.last_escalated_at = Some(at);
        }
        if kind == workflow::CommandKind::Close {
            t.closed_at = Some(at);
        }
        t.status = next.status;
        t.tier = next.tier;
        t.assignee_id = next.assignee;
        t.resolved_at = next.resolved_at;
        t.tier2_involved |= next.tier == Tier::Two;
        t.version += 1;
        t.updated_at = at;
        let clocks = self.move_clocks(&command, &next, at)?;
        let detail = crate::db::tickets::move_detail(&command, &next);
        let event = Event::TicketMoved {
            command: kind,
            from: (before.status, before.tier),
            to: (next.status, next.tier),
            detail,
            clocks,
        };
        let entry = Entry::new(Subject::Ticket(before.id), event)
            .states(Some(snapshot(&before)?), Some(snapshot(&self.ticket)?));
        self.journal.record(&Context::new(Some(Actor::User(actor)), None, at), entry)
    }

    /// The clock side of a move (`sla::lifecycle::after_move` and `settle`).
    fn move_clocks(
        &mut self,
        command: &Command,
        next: &TicketState,
        at: DateTime<Utc>,
    ) -> Result<MoveClocks, StoreError> {
        let Some(sla) = self.sla else { return Ok(MoveClocks::default()) };
        let pausing_reason = match command {
            Command::Pend { reason } if sla.policy.policy.pausing_reasons.contains(reason) => Some(*reason),
            _ => None,
        };
        let facts =
            MoveFacts { command: command.kind(), next_status: next.status, next_tier: next.tier, pausing_reason };
        let mut moved = MoveClocks { pauses: pausing_reason.is_some(), tier2_started: None };
        let mut refs: Vec<&mut Clock> = self.clocks.iter_mut().map(|c| &mut c.clock).collect();
        if lifecycle::after_move(&mut refs, &facts, at) == Needs::NewTier2Clock {
            let tier2 = StoredClock::start(sla, ClockKind::Tier2Resolution, self.ticket.priority, at)?;
            moved.tier2_started = Some(tier2.start_record());
            self.clocks.push(tier2);
        }
        let id = self.ticket.id;
        for i in 0..self.clocks.len() {
            self.clocks[i].reschedule(sla)?;
            let c = &self.clocks[i];
            let late = matches!((c.clock.stopped_at, c.due_at), (Some(stop), Some(due)) if stop >= due);
            if late && c.breached_at.is_none() {
                self.clocks[i].breached_at = Some(at);
                let c = self.clocks[i].clone();
                self.alert(&Context::new(Some(Actor::User(self.ticket.created_by)), None, at), id, &c, Alert::Breach)?;
            }
        }
        self.summarise(at);
        Ok(moved)
    }
}

/// Files and lives one ticket numbered `number`; its entries go to `journal`.
pub fn live(
    region: &Region,
    fate: &Fate,
    number: String,
    journal: &mut BulkJournal,
    now: DateTime<Utc>,
) -> Result<Lived, StoreError> {
    let desk = &region.desks[fate.desk];
    let service = &region.services[fate.service];
    let sla = service.sla[fate.desk].as_ref();
    let created_at = fate.created_at;
    let priority = PriorityMatrix::default().priority(fate.impact, fate.urgency);
    let seed = fate.people;
    let technician = pick(&desk.technicians, seed).or_else(|| pick(&region.engineers, seed));
    let engineer = pick(&region.engineers, seed / 7).or(technician);
    let (Some(technician), Some(engineer)) = (technician, engineer) else {
        return Err(StoreError::Corrupt("the region has no technician or engineer to work tickets".to_owned()));
    };
    let reporter = if fate.by_reporter { pick(&desk.reporters, seed / 3) } else { None };
    let filer = reporter.unwrap_or(technician);
    let tier = if service.direct_tier2 { Tier::Two } else { Tier::One };
    let clocks = match sla {
        Some(sla) => [ClockKind::Response, ClockKind::Resolution]
            .into_iter()
            .map(|kind| StoredClock::start(sla, kind, priority, created_at))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let id = id_at(created_at);
    let on_behalf = reporter.is_none();
    let ticket = Ticket {
        id,
        number: number.clone(),
        ticket_type: fate.ticket_type,
        title: fate.title.clone(),
        description: fate.description.clone(),
        service_id: service.id,
        unit_id: desk.unit_id,
        reporter_id: reporter,
        reporter_name: on_behalf.then(|| format!("Pegawai {}", number.rsplit('-').next().unwrap_or_default())),
        reporter_email: None,
        reporter_phone: on_behalf.then(|| "0422-21000".to_owned()),
        channel: fate.channel,
        impact: fate.impact,
        urgency: fate.urgency,
        priority,
        status: Status::New,
        tier,
        assignee_id: None,
        tier2_involved: tier == Tier::Two,
        escalation_count: 0,
        last_escalated_at: None,
        pending_reason: None,
        external_source: None,
        external_ref: None,
        complaint_ref: None,
        problem_id: None,
        resolution_code: None,
        resolution: None,
        resolved_at: None,
        closed_at: None,
        reopen_count: 0,
        rating: None,
        rating_remark: None,
        created_by_kind: "user".to_owned(),
        created_by: filer,
        version: 1,
        created_at,
        updated_at: created_at,
        sla_due_at: None,
        sla_breached: Vec::new(),
    };
    let mut life = Life { ticket, clocks, sla, journal };
    life.summarise(created_at);
    let created = Event::TicketCreated {
        number,
        priority,
        tier,
        clocks: life.clocks.iter().map(StoredClock::start_record).collect(),
        routed_to_tier2: None,
    };
    let entry = Entry::new(Subject::Ticket(id), created).after(snapshot(&life.ticket)?);
    life.journal.record(&Context::new(Some(Actor::User(filer)), None, created_at), entry)?;
    let mut at = created_at;
    for (step, gap) in &fate.steps {
        at += *gap;
        let worker = if life.ticket.tier == Tier::Two { engineer } else { technician };
        let actor = match (step, reporter) {
            (Step::Close, Some(reporter)) => reporter,
            _ => worker,
        };
        life.step(*step, actor, at)?;
    }
    life.sweep(now)?;
    let sla_check_at = life.summarise(now);
    let (event_seq, public_event_seq) = life.journal.numbers(id);
    Ok(Lived {
        ticket: GeneratedTicket { ticket: life.ticket, event_seq, public_event_seq, sla_check_at },
        clocks: life.clocks,
    })
}
