//! Request and response types of the ticket endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::journal::timeline::TicketEvent;
use crate::db::tickets::Ticket;
use crate::domain::policy::Principal;
use crate::domain::sla::clock::ClockKind;
use crate::domain::ticket::access;
use crate::domain::ticket::workflow::{self, CommandKind};
use crate::domain::ticket::{Channel, Level, PendingReason, Priority, ResolutionCode, Status, TicketType};

/// Someone reported on behalf of (a call or walk-in), when not a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterContact {
    pub name: String,
    /// An e-mail address or a phone number to reach them: at least one
    /// (422 otherwise).
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub title: String,
    pub description: String,
    /// An active service (422 otherwise).
    pub service_id: Uuid,
    /// The reporter's Perangkat Daerah; defaults to the caller's unit.
    pub unit_id: Option<Uuid>,
    /// The user the ticket is for, an active user of `unit_id`; defaults to
    /// the caller (for people). Give `reporter_id` or `reporter`, not both;
    /// a service account gives one of them (422 otherwise).
    pub reporter_id: Option<Uuid>,
    /// Someone without an account, reported on their behalf.
    pub reporter: Option<ReporterContact>,
    /// Defaults to `web` for people and `api` for API keys.
    pub channel: Option<Channel>,
    #[serde(default = "medium")]
    pub impact: Level,
    #[serde(default = "medium")]
    pub urgency: Level,
    /// The front end's own reference: with the caller (its account or API
    /// key) it identifies the ticket, so a retried create returns the
    /// existing ticket. Other callers' references are neither blocked nor seen.
    pub external_ref: Option<String>,
    /// A channel within the caller (`lapor`, `web`), up to 50 characters:
    /// the stored source is `<caller>/<channel>`, never another front end's.
    /// Only with `external_ref` (422 otherwise).
    pub external_source: Option<String>,
    /// SP4N-LAPOR! tracking id of a public complaint.
    pub complaint_ref: Option<String>,
}

fn medium() -> Level {
    Level::Medium
}

/// Fields to change; absent fields stay. `complaint_ref: null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    /// An active service (422 otherwise).
    pub service_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    #[schema(value_type = Option<String>)]
    pub complaint_ref: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketResponse {
    pub id: Uuid,
    pub number: String,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub title: String,
    pub description: String,
    pub service_id: Uuid,
    pub unit_id: Uuid,
    pub reporter_id: Option<Uuid>,
    pub reporter: Option<ReporterContact>,
    pub channel: Channel,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub status: Status,
    /// 1 (the Perangkat Daerah's desk) or 2 (the Dinas).
    pub tier: i16,
    pub assignee_id: Option<Uuid>,
    pub escalation_count: i32,
    pub last_escalated_at: Option<DateTime<Utc>>,
    pub pending_reason: Option<PendingReason>,
    pub external_source: Option<String>,
    pub external_ref: Option<String>,
    pub complaint_ref: Option<String>,
    pub problem_id: Option<Uuid>,
    pub resolution_code: Option<ResolutionCode>,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub rating: Option<i16>,
    pub rating_remark: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The earliest due instant of the ticket's running SLA clocks (none
    /// while every clock is stopped or paused); details at `/sla`. Whole
    /// seconds: SLA time is kept to the second.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// The SLA clocks that breached their target.
    pub sla_breached: Vec<ClockKind>,
    /// What the caller may do to the ticket now (`assign`, `escalate`, …).
    pub allowed_actions: Vec<String>,
}

impl TicketResponse {
    pub fn new(t: Ticket, principal: &Principal) -> Self {
        let facts = t.facts();
        let state = t.state();
        let allowed_actions = CommandKind::ALL
            .into_iter()
            .filter(|kind| workflow::permits(&state, *kind) && access::may(principal, &facts, *kind))
            .map(|kind| kind.as_str().to_owned())
            .collect();
        let reporter =
            t.reporter_name.map(|name| ReporterContact { name, email: t.reporter_email, phone: t.reporter_phone });
        Self {
            id: t.id,
            number: t.number,
            ticket_type: t.ticket_type,
            title: t.title,
            description: t.description,
            service_id: t.service_id,
            unit_id: t.unit_id,
            reporter_id: t.reporter_id,
            reporter,
            channel: t.channel,
            impact: t.impact,
            urgency: t.urgency,
            priority: t.priority,
            status: t.status,
            tier: i16::from(t.tier),
            assignee_id: t.assignee_id,
            escalation_count: t.escalation_count,
            last_escalated_at: t.last_escalated_at,
            pending_reason: t.pending_reason,
            external_source: t.external_source,
            external_ref: t.external_ref,
            complaint_ref: t.complaint_ref,
            problem_id: t.problem_id,
            resolution_code: t.resolution_code,
            resolution: t.resolution,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            reopen_count: t.reopen_count,
            rating: t.rating,
            rating_remark: t.rating_remark,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
            sla_due_at: t.sla_due_at,
            sla_breached: t.sla_breached,
            allowed_actions,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    pub status: Option<Status>,
    /// 1 or 2.
    #[param(minimum = 1, maximum = 2)]
    pub tier: Option<i16>,
    pub unit_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub priority: Option<Priority>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub ticket_type: Option<TicketType>,
    pub assignee_id: Option<Uuid>,
    /// `true`: only tickets without an assignee; `false`: only assigned.
    pub unassigned: Option<bool>,
    /// Tickets linked to this problem.
    pub problem_id: Option<Uuid>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Text to find in the number, title or description: the whole text as
    /// one fragment (`simpeg login` finds "SIMPEG login gagal", not "login
    /// ke SIMPEG"), anywhere in a word, letter case aside; `%` and `_` are
    /// plain characters. Exact, not fuzzy: a misspelling (`pirnter`) finds
    /// only tickets that hold the same misspelling. A ticket number, whole
    /// or in part, finds its ticket. Answered from a trigram index on both
    /// backends, so text found nowhere answers as fast as text found often.
    pub q: Option<String>,
    /// Tickets whose clock of this kind breached: `response`, `resolution` or `tier2_resolution`.
    pub breached: Option<ClockKind>,
    /// Tickets with a running clock falling due before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// `created` (default), `-created`, `updated`, `-updated`, `priority` (most urgent first), `-priority`,
    /// `due` (soonest due first; tickets without a running clock last).
    #[param(value_type = Option<super::cursor::TicketListSort>)]
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryResponse {
    pub total: i64,
    pub by_status: std::collections::BTreeMap<String, i64>,
    pub by_tier: std::collections::BTreeMap<String, i64>,
    pub by_priority: std::collections::BTreeMap<String, i64>,
    /// Open tickets nobody has taken yet.
    pub unassigned_open: i64,
    /// For admins and supervisors: the Perangkat Daerah without an active
    /// tier-1 technician (their new tickets go to tier 2).
    pub units_without_tier1: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketEventResponse {
    pub id: Uuid,
    pub seq: i32,
    /// `created`, `assigned`, `started`, `pending`, `resumed`, `escalated`,
    /// `returned`, `resolved`, `closed`, `reopened`, `commented`, `updated`, …
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_tier: Option<i16>,
    pub to_tier: Option<i16>,
    pub data: Option<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
}

impl From<TicketEvent> for TicketEventResponse {
    fn from(e: TicketEvent) -> Self {
        Self {
            id: e.id,
            seq: e.seq,
            kind: e.kind,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            from_status: e.from_status,
            to_status: e.to_status,
            from_tier: e.from_tier,
            to_tier: e.to_tier,
            data: e.data,
            occurred_at: e.occurred_at,
        }
    }
}
