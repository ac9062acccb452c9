//! Lives a drawn [`Fate`] through the service's own code: the ticket is
//! filed as intake files it, each step is the workflow's move with the
//! clock work `tickets::transition` does, and between steps the ticket is
//! swept as a sweeper that never lags would sweep it, alert by alert.
//! Only the I/O differs: calendars and policies come from the region read
//! up front, and the entries go to a bulk journal.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use uuid::{NoContext, Timestamp, Uuid};

use super::mix::{Fate, Step};
use crate::db::journal::bulk::BulkJournal;
use crate::db::journal::snapshot;
use crate::db::sla::clocks::{self, SlaSource, StoredClock};
use crate::db::sla::context::{CalendarVersion, SlaContext};
use crate::db::sla::lifecycle::{alert_event, filing_clocks, move_clocks, take_alert, MovedTicket};
use crate::db::sla_sweep::earliest_owed;
use crate::db::tickets::{created_entry, Filing, GeneratedTicket, Ticket};
use crate::db::StoreError;
use crate::domain::journal::{Context, Entry, Event, Subject};
use crate::domain::policy::Actor;
use crate::domain::sla::alerts::Alert;
use crate::domain::sla::lifecycle::breach_escalates;
use crate::domain::text::DisplayName;
use crate::domain::ticket::escalation::auto_escalation;
use crate::domain::ticket::intake::{NewTicket, Phone, ReporterRef};
use crate::domain::ticket::priority::PriorityMatrix;
use crate::domain::ticket::workflow::{self, Command};
use crate::domain::ticket::Tier;

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
    /// The working calendar each desk's warnings wait for: a unit's own at
    /// tier 1 (by unit), the Dinas's at tier 2.
    pub tier1_calendars: HashMap<Uuid, Option<Arc<CalendarVersion>>>,
    pub tier2_calendar: Option<Arc<CalendarVersion>>,
}

/// A ticket at the end of its history, with its clocks.
pub struct Lived {
    pub ticket: GeneratedTicket,
    pub clocks: Vec<StoredClock>,
}

/// The texts the moves of a generated life carry.
pub const ESCALATION_REASON: &str = "Perlu akses server aplikasi di pusat data";
pub const ESCALATION_STEPS: &str = "Sudah dicek koneksi, akun dan cache peramban";
pub const RETURN_INSTRUCTIONS: &str = "Mohon lengkapi tangkapan layar dan waktu kejadian";
pub const RESOLUTION: &str = "Konfigurasi diperbaiki dan diuji bersama pelapor";

/// The workflow command a step of a life is, made by `actor`.
pub fn command_of(step: Step, actor: Uuid) -> Command {
    match step {
        Step::Assign => Command::Assign { assignee: actor },
        Step::Start => Command::Start { actor },
        Step::Pend(reason) => Command::Pend { reason },
        Step::Resume => Command::Resume,
        Step::Escalate => {
            Command::Escalate { reason: ESCALATION_REASON.to_owned(), steps_taken: ESCALATION_STEPS.to_owned() }
        }
        Step::Return => Command::Return { instructions: RETURN_INSTRUCTIONS.to_owned() },
        Step::Resolve(code) => Command::Resolve { code, resolution: RESOLUTION.to_owned() },
        Step::Close => Command::Close,
    }
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

/// Who files and works a fate's ticket.
#[derive(Debug, Clone, Copy)]
pub struct People {
    /// The reporter who filed it; `None` when the technician filed it on
    /// someone's behalf.
    pub reporter: Option<Uuid>,
    pub technician: Uuid,
    pub engineer: Uuid,
}

impl People {
    /// The people of `fate` in `region`.
    pub fn of(region: &Region, fate: &Fate) -> Result<Self, StoreError> {
        let desk = &region.desks[fate.desk];
        let seed = fate.people;
        let technician = pick(&desk.technicians, seed).or_else(|| pick(&region.engineers, seed));
        let engineer = pick(&region.engineers, seed / 7).or(technician);
        let (Some(technician), Some(engineer)) = (technician, engineer) else {
            return Err(StoreError::Corrupt("the region has no technician or engineer to work tickets".to_owned()));
        };
        let reporter = if fate.by_reporter { pick(&desk.reporters, seed / 3) } else { None };
        Ok(Self { reporter, technician, engineer })
    }

    pub fn filer(&self) -> Uuid {
        self.reporter.unwrap_or(self.technician)
    }

    /// Who makes `step` on a ticket at `tier`: the reporter closes their
    /// own ticket; the desk holding it does the rest.
    pub fn actor(&self, step: Step, tier: Tier) -> Uuid {
        match (step, self.reporter) {
            (Step::Close, Some(reporter)) => reporter,
            _ if tier == Tier::Two => self.engineer,
            _ => self.technician,
        }
    }
}

/// What a fate's ticket is filed as, numbered `number`.
pub fn new_ticket(region: &Region, fate: &Fate, people: &People, number: &str) -> Result<NewTicket, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt(format!("generated filing: {e}"));
    let reporter = match people.reporter {
        Some(user) => ReporterRef::User(user),
        None => ReporterRef::OnBehalf {
            name: DisplayName::parse(&format!("Pegawai {}", number.rsplit('-').next().unwrap_or_default()))
                .map_err(|e| corrupt(e.to_string()))?,
            email: None,
            phone: Some(Phone::parse("0422-21000").map_err(corrupt)?),
        },
    };
    Ok(NewTicket {
        ticket_type: fate.ticket_type,
        title: fate.title.clone(),
        description: fate.description.clone(),
        service_id: region.services[fate.service].id,
        unit_id: region.desks[fate.desk].unit_id,
        reporter,
        channel: fate.channel,
        impact: fate.impact,
        urgency: fate.urgency,
        priority: PriorityMatrix::default().priority(fate.impact, fate.urgency),
        external: None,
        complaint_ref: None,
        route_uncovered: false,
    })
}

/// What a generated ticket's clocks read, as the service reads it from the
/// database: the ticket's calendar and policy, and the desks' calendars.
#[derive(Clone, Copy)]
struct Known<'a> {
    sla: Option<&'a SlaContext>,
    region: &'a Region,
}

impl SlaSource for Known<'_> {
    fn context_of(&mut self, clock: &StoredClock) -> Result<SlaContext, StoreError> {
        match self.sla {
            Some(sla)
                if (clock.calendar_id, clock.calendar_version, clock.policy_id, clock.policy_version)
                    == (sla.calendar.id, sla.calendar.version, sla.policy.id, sla.policy.version) =>
            {
                Ok(sla.clone())
            }
            _ => Err(StoreError::Corrupt("a generated clock runs under versions its region does not hold".into())),
        }
    }

    fn current(&mut self, _service_id: Uuid, _unit_id: Uuid) -> Result<Option<SlaContext>, StoreError> {
        Ok(self.sla.cloned())
    }

    fn desk_calendar(&mut self, tier: Tier, unit_id: Uuid) -> Result<Option<Arc<CalendarVersion>>, StoreError> {
        Ok(match tier {
            Tier::One => self.region.tier1_calendars.get(&unit_id).cloned().flatten(),
            Tier::Two => self.region.tier2_calendar.clone(),
        })
    }
}

struct Life<'a> {
    ticket: Ticket,
    clocks: Vec<StoredClock>,
    /// When the sweeper looks at the ticket next (the row's `sla_check_at`).
    check_at: Option<DateTime<Utc>>,
    known: Known<'a>,
    journal: &'a mut BulkJournal,
}

impl Life<'_> {
    /// Takes the clocks' summary at `now`, as the row keeps it.
    fn summarise(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let summary = clocks::summarise(&mut self.known, &self.clocks, self.ticket.clocked().watch, now)?;
        self.ticket.take_summary(&summary);
        self.check_at = summary.check_at;
        Ok(())
    }

    fn record(&mut self, ctx: &Context, event: Event) -> Result<(), StoreError> {
        self.journal.record(ctx, Entry::new(Subject::Ticket(self.ticket.id), event))
    }

    /// Sweeps up to `until` as `sla_sweep` does at each check the row asks
    /// for: the alert owed then, recorded then, and the policy's
    /// auto-escalation on a tier-1 resolution breach.
    fn sweep(&mut self, until: DateTime<Utc>) -> Result<(), StoreError> {
        while let Some(now) = self.check_at.filter(|at| *at <= until) {
            let watch = self.ticket.clocked().watch;
            if let Some((index, alert, _)) = earliest_owed(&mut self.known, &self.clocks, watch, now)? {
                let auto = self.known.context_of(&self.clocks[index])?.policy.policy.auto_escalate;
                let escalates = alert == Alert::Breach
                    && breach_escalates(self.clocks[index].clock.kind, self.ticket.tier, auto)
                    && workflow::permits(&self.ticket.state(), workflow::CommandKind::Escalate);
                let event = take_alert(&mut self.clocks[index], alert, now);
                self.record(&Context::system(now), event)?;
                if escalates {
                    // The move settles the clocks and summarises the ticket.
                    self.apply(&auto_escalation(), None, now)?;
                    continue;
                }
            }
            self.summarise(now)?;
        }
        Ok(())
    }

    /// One step of the fate at `at` by `actor`, after the sweeps before it.
    /// A step an auto-escalation made impossible is left out.
    fn step(&mut self, step: Step, actor: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.sweep(at)?;
        let command = command_of(step, actor);
        if !workflow::permits(&self.ticket.state(), command.kind()) {
            return Ok(());
        }
        self.apply(&command, Some(Actor::User(actor)), at)
    }

    /// One workflow move at `at`, as `tickets::transition` writes it.
    fn apply(&mut self, command: &Command, actor: Option<Actor>, at: DateTime<Utc>) -> Result<(), StoreError> {
        let before = self.ticket.clone();
        let next = workflow::apply(&before.state(), command, at, Duration::days(7))
            .map_err(|e| StoreError::Corrupt(format!("generated life: {e}")))?;
        let ctx = Context::new(actor, None, at);
        let moved = MovedTicket { service_id: before.service_id, unit_id: before.unit_id, priority: before.priority };
        let (clocks, late) = move_clocks(&mut self.known, &mut self.clocks, moved, command, &next, at)?;
        for index in late {
            let event = alert_event(&self.clocks[index], Alert::Breach);
            self.record(&ctx, event)?;
        }
        self.ticket.take_state(next.clone());
        self.ticket.version += 1;
        self.ticket.updated_at = at;
        self.summarise(at)?;
        let event = Event::ticket_moved(command, &before.state(), &next, clocks);
        let entry = Entry::new(Subject::Ticket(before.id), event)
            .states(Some(snapshot(&before)?), Some(snapshot(&self.ticket)?));
        self.journal.record(&ctx, entry)
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
    let service = &region.services[fate.service];
    let sla = service.sla[fate.desk].as_ref();
    let people = People::of(region, fate)?;
    let new = new_ticket(region, fate, &people, &number)?;
    let created_at = fate.created_at;
    let tier = if service.direct_tier2 { Tier::Two } else { Tier::One };
    let by = Actor::User(people.filer());
    let ticket = Ticket::filed(&new, Filing { id: id_at(created_at), number, tier, by, at: created_at });
    let clocks = match sla {
        Some(sla) => filing_clocks(sla, new.priority, created_at)?,
        None => Vec::new(),
    };
    let mut life = Life { ticket, clocks, check_at: None, known: Known { sla, region }, journal };
    life.summarise(created_at)?;
    let entry = created_entry(&life.ticket, &life.clocks, None)?;
    life.journal.record(&Context::new(Some(by), None, created_at), entry)?;
    let mut at = created_at;
    for (step, gap) in &fate.steps {
        at += *gap;
        life.step(*step, people.actor(*step, life.ticket.tier), at)?;
    }
    life.sweep(now)?;
    let id = life.ticket.id;
    let (event_seq, public_event_seq) = life.journal.numbers(id);
    Ok(Lived {
        ticket: GeneratedTicket { ticket: life.ticket, event_seq, public_event_seq, sla_check_at: life.check_at },
        clocks: life.clocks,
    })
}
