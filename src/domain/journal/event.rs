//! Every state change the service records, named once.
//!
//! An [`Event`] knows its public name (the audit action, and later the
//! notice and webhook type), whether it appears on a ticket's timeline and
//! whether reporters may see it there, and its typed payload. Store
//! functions build one and hand it, as an [`Entry`], to the journal.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::asset::lifecycle::AssetChange;
use crate::domain::change::{ChangeEventKind, ChangeStatus};
use crate::domain::knowledge::workflow::ArticleChange;
use crate::domain::knowledge::{ArticleKind, ArticleStatus};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::lifecycle::ClockStart;
use crate::domain::sla::replay::{Rebase, Retarget};
use crate::domain::sla::Target;
use crate::domain::ticket::workflow::CommandKind;
use crate::domain::ticket::{Priority, Status, Tier};

use super::move_record::{MoveClocks, MoveDetail};

/// Who may read an event on a ticket's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone who sees the ticket, reporters included.
    Public,
    /// The ticket's staff only (internal notes, SLA alerts).
    Internal,
}

/// Administered resources whose changes are audited but have no timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Unit,
    User,
    ApiKey,
    Session,
    Service,
    Calendar,
    SlaPolicy,
    WebhookSubscription,
    Notice,
    ChangeTemplate,
    FreezeWindow,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Unit => "unit",
            Resource::User => "user",
            Resource::ApiKey => "api_key",
            Resource::Session => "session",
            Resource::Service => "service",
            Resource::Calendar => "calendar",
            Resource::SlaPolicy => "sla_policy",
            Resource::WebhookSubscription => "webhook_subscription",
            Resource::Notice => "notice",
            Resource::ChangeTemplate => "change_template",
            Resource::FreezeWindow => "freeze_window",
        }
    }
}

/// What happened to an administered resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceChange {
    Created,
    Updated,
    /// A user's record changed together with their password.
    UpdatedWithPassword,
    /// A user changed their own password (their other sessions ended).
    PasswordChanged,
    /// Holidays imported into a calendar.
    HolidaysImported,
    HolidayRemoved,
    /// Another policy became the default.
    NoLongerDefault,
    Deleted,
    /// A session was opened by logging in.
    Opened,
    /// A session's refresh token was rotated.
    Refreshed,
    /// An API key or a session was revoked.
    Revoked,
    /// A webhook secret was replaced (the old one signs for a while).
    SecretRotated,
    /// A notice was queued again by hand.
    Requeued,
}

impl ResourceChange {
    fn as_str(self) -> &'static str {
        match self {
            ResourceChange::Created => "created",
            ResourceChange::Updated => "updated",
            ResourceChange::UpdatedWithPassword => "updated_with_password",
            ResourceChange::PasswordChanged => "password_changed",
            ResourceChange::HolidaysImported => "holidays_imported",
            ResourceChange::HolidayRemoved => "holiday_removed",
            ResourceChange::NoLongerDefault => "no_longer_default",
            ResourceChange::Deleted => "deleted",
            ResourceChange::Opened => "opened",
            ResourceChange::Refreshed => "refreshed",
            ResourceChange::Revoked => "revoked",
            ResourceChange::SecretRotated => "secret_rotated",
            ResourceChange::Requeued => "requeued",
        }
    }
}

/// An SLA clock's alert, as recorded when it fell due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockAlert {
    pub clock: ClockKind,
    pub target: Target,
    pub fell_due_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

/// Where a ticket stands: its status at its tier.
pub type Place = (Status, Tier);

/// A state change the service records.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `clocks`: the SLA clocks filing started (none without calendar or policy).
    /// `routed_to_tier2`: why a tier-1 ticket went to tier 2 at once (its PD
    /// has no active tier-1 technician).
    TicketCreated {
        number: String,
        priority: Priority,
        tier: Tier,
        clocks: Vec<ClockStart>,
        routed_to_tier2: Option<String>,
    },
    TicketMoved {
        command: CommandKind,
        from: Place,
        to: Place,
        detail: MoveDetail,
        clocks: MoveClocks,
    },
    /// `retargets`: the running clocks a priority change re-targeted.
    TicketUpdated {
        fields: Vec<&'static str>,
        from_priority: Priority,
        to_priority: Priority,
        retargets: Vec<Retarget>,
    },
    TicketRated {
        rating: i16,
        remark: Option<String>,
    },
    /// The contact of someone reported on behalf of was erased (UU 27/2022):
    /// `fields` were blanked and their committed values emptied;
    /// `entries_in_the_clear`: entries of the ticket written before
    /// commitments that still hold a value (`docs/privacy.md`).
    PersonalDataErased {
        fields: Vec<&'static str>,
        entries_in_the_clear: u64,
    },
    LinkedToProblem {
        problem_id: Uuid,
        problem_number: String,
    },
    UnlinkedFromProblem {
        problem_id: Uuid,
        problem_number: String,
    },
    /// On a ticket's timeline: a change record now links it.
    LinkedToChange {
        change_id: Uuid,
        change_number: String,
        relation: String,
    },
    /// On the problem's timeline, the other side of a link.
    ProblemGainedTicket {
        ticket_id: Uuid,
        ticket_number: String,
    },
    ProblemLostTicket {
        ticket_id: Uuid,
        ticket_number: String,
    },
    /// What resolving a problem did to the tickets linked to it.
    LinkedTicketsResolved {
        resolved: Vec<String>,
        left_open: Vec<String>,
    },
    /// A published article that solved the ticket, at the version used.
    KnowledgeLinked {
        article_id: Uuid,
        article_version: i32,
    },
    /// The ticket proposed a draft article (of `kind`).
    KnowledgeProposed {
        article_id: Uuid,
        kind: ArticleKind,
    },
    /// `meets_response`: a public reply of the desk that met the response clock.
    CommentAdded {
        comment_id: Uuid,
        internal: bool,
        meets_response: bool,
    },
    AttachmentAdded {
        attachment_id: Uuid,
        filename: String,
        comment_id: Option<Uuid>,
        internal: bool,
    },
    SlaWarning(ClockAlert),
    SlaBreached(ClockAlert),
    /// `rebases`: the running clocks moved onto the current versions.
    SlaRecomputed {
        reason: String,
        clocks: Vec<ClockKind>,
        before: serde_json::Value,
        after: serde_json::Value,
        rebases: Vec<Rebase>,
    },
    /// A change record moved or was edited; `detail` is what the move carried.
    Change {
        kind: ChangeEventKind,
        from: Option<ChangeStatus>,
        to: ChangeStatus,
        detail: serde_json::Value,
    },
    /// A knowledge article written, edited or moved; `detail` is what the
    /// move carried (the version a publish made, a reviewer's reason).
    Article {
        change: ArticleChange,
        from: Option<ArticleStatus>,
        to: ArticleStatus,
        detail: serde_json::Value,
    },
    /// An asset registered, edited, moved in its life cycle, or related
    /// to another; `detail` names the status move or the relation.
    Asset {
        change: AssetChange,
        detail: serde_json::Value,
    },
    /// A change to an administered resource; its before/after say what.
    Resource {
        resource: Resource,
        change: ResourceChange,
    },
}

/// What an event is about: the entity the audit names, and the aggregate
/// whose chain (and, for tickets, whose timeline) it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Ticket(Uuid),
    /// A comment or attachment: its own id, on its ticket's chain.
    TicketPart {
        ticket_id: Uuid,
        entity_type: &'static str,
        id: Uuid,
    },
    Resource(Resource, Uuid),
    /// A change record (its own chain and timeline).
    Change(Uuid),
    /// A knowledge article (its own chain; the audit log is its history).
    Article(Uuid),
    /// A TIK asset (its own chain, which is its history).
    Asset(Uuid),
}

impl Subject {
    /// The `entity_type` and `entity_id` of the audit record.
    pub fn entity(self) -> (&'static str, Uuid) {
        match self {
            Subject::Ticket(id) => ("ticket", id),
            Subject::TicketPart { entity_type, id, .. } => (entity_type, id),
            Subject::Resource(resource, id) => (resource.as_str(), id),
            Subject::Change(id) => ("change", id),
            Subject::Article(id) => ("knowledge_article", id),
            Subject::Asset(id) => ("asset", id),
        }
    }

    /// The aggregate whose audit chain the record joins: writers of
    /// unrelated aggregates never wait on each other's chain head.
    pub fn chain(self) -> Uuid {
        match self {
            Subject::Ticket(id)
            | Subject::TicketPart { ticket_id: id, .. }
            | Subject::Resource(_, id)
            | Subject::Change(id)
            | Subject::Article(id)
            | Subject::Asset(id) => id,
        }
    }

    /// The ticket whose timeline shows the event, if any.
    pub fn ticket(self) -> Option<Uuid> {
        match self {
            Subject::Ticket(id) | Subject::TicketPart { ticket_id: id, .. } => Some(id),
            Subject::Resource(..) | Subject::Change(_) | Subject::Article(_) | Subject::Asset(_) => None,
        }
    }

    /// The change whose timeline shows the event, if any.
    pub fn change(self) -> Option<Uuid> {
        match self {
            Subject::Change(id) => Some(id),
            _ => None,
        }
    }
}

/// One journal entry: the event, its subject, and the subject's public
/// state before and after (never secrets such as password hashes).
#[derive(Debug, Clone)]
pub struct Entry {
    pub subject: Subject,
    pub event: Event,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Entry {
    pub fn new(subject: Subject, event: Event) -> Self {
        Self { subject, event, before: None, after: None }
    }

    /// A change to an administered resource.
    pub fn resource(resource: Resource, change: ResourceChange, id: Uuid) -> Self {
        Self::new(Subject::Resource(resource, id), Event::Resource { resource, change })
    }

    /// The before/after pair, each optional.
    pub fn states(mut self, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }

    pub fn before(mut self, value: serde_json::Value) -> Self {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: serde_json::Value) -> Self {
        self.after = Some(value);
        self
    }
}

impl Event {
    /// The public name: the audit action and the notice type.
    pub fn name(&self) -> String {
        let timeline = |kind: &str| format!("ticket.{kind}");
        match self {
            Event::TicketMoved { command, .. } => timeline(command.event()),
            Event::CommentAdded { .. } => "comment.created".to_owned(),
            Event::AttachmentAdded { .. } => "attachment.created".to_owned(),
            Event::Resource { resource, change } => format!("{}.{}", resource.as_str(), change.as_str()),
            Event::Change { kind, .. } => format!("change.{kind}"),
            Event::Article { change, .. } => format!("knowledge.{}", change.as_str()),
            Event::Asset { change, .. } => format!("asset.{change}"),
            other => timeline(other.timeline_kind().unwrap_or("changed")),
        }
    }

    /// The kind shown on a ticket's timeline; `None` for resource events.
    pub fn timeline_kind(&self) -> Option<&'static str> {
        Some(match self {
            Event::TicketCreated { .. } => "created",
            Event::TicketMoved { command, .. } => command.event(),
            Event::TicketUpdated { from_priority, to_priority, .. } if from_priority != to_priority => {
                "priority_changed"
            }
            Event::TicketUpdated { .. } => "updated",
            Event::TicketRated { .. } => "rated",
            Event::PersonalDataErased { .. } => "personal_data_erased",
            Event::LinkedToProblem { .. } => "linked_to_problem",
            Event::LinkedToChange { .. } => "linked_to_change",
            Event::UnlinkedFromProblem { .. } => "unlinked_from_problem",
            Event::ProblemGainedTicket { .. } => "ticket_linked",
            Event::ProblemLostTicket { .. } => "ticket_unlinked",
            Event::LinkedTicketsResolved { .. } => "linked_tickets_resolved",
            Event::KnowledgeLinked { .. } => "knowledge_linked",
            Event::KnowledgeProposed { .. } => "knowledge_proposed",
            Event::CommentAdded { .. } => "commented",
            Event::AttachmentAdded { .. } => "attachment_added",
            Event::SlaWarning(_) => "sla_warning",
            Event::SlaBreached(_) => "sla_breached",
            Event::SlaRecomputed { .. } => "sla_recomputed",
            Event::Resource { .. } | Event::Change { .. } | Event::Article { .. } | Event::Asset { .. } => return None,
        })
    }

    /// Whether reporters see the event on their ticket's timeline: SLA
    /// alerts and recomputes are the desk's matter, internal notes too.
    pub fn visibility(&self) -> Visibility {
        let internal = match self {
            Event::CommentAdded { internal, .. } | Event::AttachmentAdded { internal, .. } => *internal,
            Event::SlaWarning(_)
            | Event::SlaBreached(_)
            | Event::SlaRecomputed { .. }
            | Event::PersonalDataErased { .. }
            // The desks' matter: a reporter reads articles by searching.
            | Event::KnowledgeLinked { .. }
            | Event::KnowledgeProposed { .. } => true,
            _ => false,
        };
        if internal {
            Visibility::Internal
        } else {
            Visibility::Public
        }
    }

    /// The status and tier a move left, for the timeline's from/to.
    pub fn movement(&self) -> (Option<Place>, Option<Place>) {
        match self {
            Event::TicketCreated { tier, .. } => (None, Some((Status::New, *tier))),
            Event::TicketMoved { from, to, .. } => (Some(*from), Some(*to)),
            _ => (None, None),
        }
    }

    /// Whether the event opens its subject's audit chain (the subject was
    /// just created, so no head exists to read).
    pub fn opens_chain(&self) -> bool {
        matches!(
            self,
            Event::TicketCreated { .. }
                | Event::Resource { change: ResourceChange::Created | ResourceChange::Opened, .. }
                | Event::Change { kind: ChangeEventKind::Created, .. }
                | Event::Article { change: ArticleChange::Created, .. }
                | Event::Asset { change: AssetChange::Created, .. }
        )
    }

    /// The event's details, as the timeline shows them.
    pub fn payload(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Event::TicketCreated { number, priority, tier, clocks, routed_to_tier2 } => json!({
                "number": number, "priority": priority, "tier": i16::from(*tier), "sla": { "started": clocks },
                "routed_to_tier2": routed_to_tier2,
            }),
            Event::TicketMoved { detail, clocks, .. } => {
                let mut payload = json!(detail);
                payload["sla"] = json!(clocks);
                payload
            }
            Event::TicketUpdated { fields, from_priority, to_priority, retargets } => json!({
                "fields": fields, "from_priority": from_priority, "to_priority": to_priority,
                "sla": { "retargets": retargets },
            }),
            Event::TicketRated { rating, remark } => json!({ "rating": rating, "remark": remark }),
            Event::PersonalDataErased { fields, entries_in_the_clear } => {
                json!({ "fields": fields, "entries_in_the_clear": entries_in_the_clear })
            }
            Event::LinkedToProblem { problem_id, problem_number }
            | Event::UnlinkedFromProblem { problem_id, problem_number } => {
                json!({ "problem_id": problem_id, "problem_number": problem_number })
            }
            Event::LinkedToChange { change_id, change_number, relation } => {
                json!({ "change_id": change_id, "change_number": change_number, "relation": relation })
            }
            Event::ProblemGainedTicket { ticket_id, ticket_number }
            | Event::ProblemLostTicket { ticket_id, ticket_number } => {
                json!({ "ticket_id": ticket_id, "ticket_number": ticket_number })
            }
            Event::LinkedTicketsResolved { resolved, left_open } => {
                json!({ "resolved": resolved, "left_open": left_open })
            }
            Event::KnowledgeLinked { article_id, article_version } => {
                json!({ "article_id": article_id, "article_version": article_version })
            }
            Event::KnowledgeProposed { article_id, kind } => json!({ "article_id": article_id, "kind": kind }),
            Event::CommentAdded { comment_id, internal, meets_response } => json!({
                "comment_id": comment_id, "internal": internal, "sla": { "meets_response": meets_response },
            }),
            Event::AttachmentAdded { attachment_id, filename, comment_id, .. } => {
                json!({ "attachment_id": attachment_id, "filename": filename, "comment_id": comment_id })
            }
            Event::SlaWarning(alert) | Event::SlaBreached(alert) => json!(alert),
            Event::SlaRecomputed { reason, clocks, before, after, rebases } => json!({
                "reason": reason, "clocks": clocks, "before": before, "after": after, "sla": { "rebases": rebases },
            }),
            Event::Change { detail, .. } | Event::Asset { detail, .. } => detail.clone(),
            Event::Article { from, to, detail, .. } => {
                let mut payload = detail.clone();
                if let Some(map) = payload.as_object_mut() {
                    map.insert("from_status".into(), serde_json::json!(from));
                    map.insert("to_status".into(), serde_json::json!(to));
                }
                payload
            }
            Event::Resource { .. } => json!({}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(command: CommandKind) -> Event {
        Event::TicketMoved {
            command,
            from: (Status::InProgress, Tier::One),
            to: (Status::New, Tier::Two),
            detail: MoveDetail::Escalation { reason: "r".into(), steps_taken: "s".into() },
            clocks: MoveClocks::default(),
        }
    }

    #[test]
    fn moves_are_named_after_their_command() {
        let event = moved(CommandKind::Escalate);
        assert_eq!(event.name(), "ticket.escalated");
        assert_eq!(event.timeline_kind(), Some("escalated"));
        assert_eq!(event.visibility(), Visibility::Public);
        assert_eq!(event.payload()["steps_taken"], "s");
    }

    #[test]
    fn internal_notes_and_sla_alerts_are_hidden_from_reporters() {
        let note = Event::CommentAdded { comment_id: Uuid::nil(), internal: true, meets_response: false };
        assert_eq!(note.visibility(), Visibility::Internal);
        assert_eq!(note.name(), "comment.created");
        let reply = Event::CommentAdded { comment_id: Uuid::nil(), internal: false, meets_response: true };
        assert_eq!(reply.visibility(), Visibility::Public);
        let recompute = Event::SlaRecomputed {
            reason: "x".into(),
            clocks: vec![],
            before: json_null(),
            after: json_null(),
            rebases: vec![],
        };
        assert_eq!(recompute.visibility(), Visibility::Internal);
        assert_eq!(recompute.name(), "ticket.sla_recomputed");
    }

    fn json_null() -> serde_json::Value {
        serde_json::Value::Null
    }

    #[test]
    fn resource_events_have_no_timeline_and_open_chains_when_created() {
        let created = Event::Resource { resource: Resource::ApiKey, change: ResourceChange::Created };
        assert_eq!(created.name(), "api_key.created");
        assert_eq!(created.timeline_kind(), None);
        assert!(created.opens_chain());
        let revoked = Event::Resource { resource: Resource::Session, change: ResourceChange::Revoked };
        assert_eq!(revoked.name(), "session.revoked");
        assert!(!revoked.opens_chain());
    }

    #[test]
    fn an_erasure_is_named_and_shown_to_the_desk_only() {
        let erased = Event::PersonalDataErased { fields: vec!["reporter_email"], entries_in_the_clear: 0 };
        assert_eq!(erased.name(), "ticket.personal_data_erased");
        assert_eq!(erased.visibility(), Visibility::Internal);
        assert_eq!(erased.payload()["fields"][0], "reporter_email");
    }

    #[test]
    fn a_priority_change_is_its_own_timeline_kind() {
        let e = Event::TicketUpdated {
            fields: vec!["impact"],
            from_priority: Priority::Low,
            to_priority: Priority::High,
            retargets: vec![],
        };
        assert_eq!(e.timeline_kind(), Some("priority_changed"));
        assert_eq!(e.name(), "ticket.priority_changed");
    }

    #[test]
    fn article_events_open_their_own_chain_and_have_no_ticket_timeline() {
        use crate::domain::knowledge::ArticleMove;
        let id = Uuid::now_v7();
        let created = Event::Article {
            change: ArticleChange::Created,
            from: None,
            to: ArticleStatus::Draft,
            detail: serde_json::json!({}),
        };
        assert!(created.opens_chain());
        assert_eq!(created.name(), "knowledge.created");
        assert_eq!(created.timeline_kind(), None);
        let published = Event::Article {
            change: ArticleChange::Moved(ArticleMove::Publish),
            from: Some(ArticleStatus::InReview),
            to: ArticleStatus::Published,
            detail: serde_json::json!({ "published_version": 1 }),
        };
        assert!(!published.opens_chain());
        assert_eq!(published.name(), "knowledge.published");
        assert_eq!(published.payload()["to_status"], "published");
        assert_eq!(Subject::Article(id).chain(), id);
        assert_eq!(Subject::Article(id).entity(), ("knowledge_article", id));
        assert_eq!(Subject::Article(id).ticket(), None);
    }

    #[test]
    fn asset_events_open_their_own_chain_and_have_no_ticket_timeline() {
        let id = Uuid::now_v7();
        let created = Event::Asset { change: AssetChange::Created, detail: serde_json::json!({}) };
        assert!(created.opens_chain());
        assert_eq!(created.name(), "asset.created");
        let related =
            Event::Asset { change: AssetChange::RelationAdded, detail: serde_json::json!({ "kind": "runs_on" }) };
        assert!(!related.opens_chain());
        assert_eq!(
            (related.name().as_str(), related.payload()["kind"].as_str()),
            ("asset.relation_added", Some("runs_on"))
        );
        assert_eq!(Subject::Asset(id).entity(), ("asset", id));
        assert_eq!((Subject::Asset(id).chain(), Subject::Asset(id).ticket()), (id, None));
    }

    #[test]
    fn comments_and_attachments_join_their_tickets_chain() {
        let (ticket, comment) = (Uuid::now_v7(), Uuid::now_v7());
        let subject = Subject::TicketPart { ticket_id: ticket, entity_type: "comment", id: comment };
        assert_eq!(subject.chain(), ticket);
        assert_eq!(subject.entity(), ("comment", comment));
        assert_eq!(subject.ticket(), Some(ticket));
    }
}
