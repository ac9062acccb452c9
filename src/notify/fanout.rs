//! Fanning queued events out into notices, in one transaction per batch:
//! the rules pick the audiences, the templates render each mail in the
//! recipient's zone, and every subscription that may see the ticket gets
//! a delivery. The events are removed in the same transaction, so each is
//! fanned out exactly once, whichever dispatcher claims it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::context::{self, Addressee, TicketView};
use super::Notifier;
use crate::db::notices::events::{self, QueuedEvent};
use crate::db::notices::outbox::{self, NewNotice, NoticeKind};
use crate::db::notices::recipients::{self, Recipient};
use crate::db::notices::subscriptions::{self, Owner, Subscription};
use crate::db::{services, sla, tickets, units, write_tx, DbConnection, StoreError};
use crate::domain::notice::rules::{self, Occasion};
use crate::domain::notice::webhook::subscribed;
use crate::domain::sla::math::next_working_instant;
use crate::domain::ticket::Priority;

/// Fans out up to `limit` waiting events; returns how many.
pub fn fan_out(
    conn: &mut DbConnection,
    notifier: &Notifier,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<usize, StoreError> {
    if !events::any_waiting(conn)? {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        let queued = events::claim(conn, limit)?;
        if queued.is_empty() {
            return Ok(0);
        }
        let subscriptions = subscriptions::active(conn)?;
        let mut batch = Batch { notifier, now, subscriptions, calendars: HashMap::new(), owners: HashMap::new() };
        let mut notices = Vec::new();
        let mut done = Vec::new();
        for event in &queued {
            // One event that cannot be fanned out (a broken record) is
            // logged and left for the next run; it never holds up the others.
            // In a savepoint: on PostgreSQL a failed statement would
            // otherwise abort the whole transaction.
            use diesel::Connection;
            match conn.transaction(|conn| batch.notices_for(conn, event)) {
                Ok(found) => {
                    notices.extend(found);
                    done.push(event.id);
                }
                Err(e) => {
                    tracing::error!(event = %event.id, error = %e, "notice event not fanned out; tried again later")
                }
            }
        }
        outbox::insert_all(conn, now, &notices)?;
        events::remove_fanned_out(conn, &done)?;
        Ok(done.len())
    })
}

/// What one fan-out reads once for all its events.
struct Batch<'a> {
    notifier: &'a Notifier,
    now: DateTime<Utc>,
    subscriptions: Vec<Subscription>,
    /// When each calendar's next working hour starts (`None`: never).
    calendars: HashMap<Uuid, Option<DateTime<Utc>>>,
    /// What each subscription owner may see: nothing, every unit
    /// (`Some(None)`) or one unit.
    owners: HashMap<Uuid, Option<Option<Uuid>>>,
}

/// Reads a ticket with the names its notices print.
pub fn ticket_view(conn: &mut DbConnection, ticket_id: Uuid) -> Result<TicketView, StoreError> {
    let ticket = tickets::find_any(conn, ticket_id)?;
    let service = services::find(conn, ticket.service_id)?;
    let unit = units::find(conn, ticket.unit_id)?;
    let due = sla::clocks::load(conn, ticket_id)?.into_iter().map(|c| (c.clock.kind, c.due_at)).collect();
    Ok(TicketView {
        service_code: service.code,
        service_name: service.name,
        service_owner: service.owner_unit_id,
        unit_name: unit.name,
        due,
        ticket,
    })
}

fn zone_of(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::Asia__Jakarta)
}

impl Batch<'_> {
    fn notices_for(&mut self, conn: &mut DbConnection, event: &QueuedEvent) -> Result<Vec<NewNotice>, StoreError> {
        if event.event.starts_with("change.") {
            return super::change_fanout::mails_for(conn, self.notifier, self.now, event);
        }
        let view = ticket_view(conn, event.subject_id)?;
        let mut notices = self.mails_for(conn, event, &view)?;
        notices.extend(self.deliveries_for(conn, event, &view)?);
        Ok(notices)
    }

    fn mails_for(
        &mut self,
        conn: &mut DbConnection,
        event: &QueuedEvent,
        view: &TicketView,
    ) -> Result<Vec<NewNotice>, StoreError> {
        let settings = &self.notifier.settings;
        let ticket = &view.ticket;
        let tier = event.payload["tier"].as_i64().and_then(|t| i16::try_from(t).ok()).unwrap_or(ticket.tier.into());
        let occasion = Occasion {
            event: &event.event,
            by_system: event.actor_id.is_none(),
            tier,
            ticket_type: ticket.ticket_type,
        };
        let assignee = event.payload["payload"]["assignee_id"].as_str().and_then(|id| id.parse().ok());
        let link = settings.ticket_link(ticket.id, &ticket.number);
        let mut told = HashSet::new();
        let mut mails = Vec::new();
        for rule in rules::applicable(&settings.rules, &occasion) {
            // Internal notes and SLA alerts are the desk's: never mailed to reporters.
            if event.internal() && rule.audience == rules::Audience::Reporter {
                continue;
            }
            let audience =
                recipients::resolve(conn, rule.audience, ticket, view.service_owner, assignee, event.actor_id)?;
            for recipient in audience {
                let opted_out = recipient.opted_out.iter().any(|e| *e == rule.event || *e == event.event);
                if (opted_out && !rule.essential) || !told.insert(recipient.address.clone()) {
                    continue;
                }
                let zone = zone_of(&recipient.zone);
                let to = Addressee { name: &recipient.name, address: &recipient.address, zone };
                let rendered = self
                    .notifier
                    .templates
                    .render(&rule.template, &context::ticket_context(view, event, &to, &link))
                    .map_err(StoreError::Corrupt)?;
                let critical = rules::is_critical(&rule.event, ticket.priority == Priority::Critical);
                mails.push(NewNotice {
                    id: Uuid::now_v7(),
                    kind: NoticeKind::Mail,
                    event_id: event.id,
                    event: rule.event.clone(),
                    ticket_id: Some(ticket.id),
                    audience: rule.audience.as_str().to_owned(),
                    subscription_id: None,
                    recipient: recipient.address.clone(),
                    recipient_name: Some(recipient.name.clone()),
                    template: Some(rule.template.clone()),
                    subject: Some(rendered.subject),
                    body_text: rendered.text,
                    body_html: Some(rendered.html),
                    critical,
                    not_before: self.not_before(conn, &recipient, critical)?,
                });
            }
        }
        Ok(mails)
    }

    /// Non-critical mails wait for the recipient's working hours.
    fn not_before(
        &mut self,
        conn: &mut DbConnection,
        recipient: &Recipient,
        critical: bool,
    ) -> Result<DateTime<Utc>, StoreError> {
        let Some(calendar) =
            recipient.calendar_id.filter(|_| self.notifier.settings.hold_until_working_hours && !critical)
        else {
            return Ok(self.now);
        };
        if let Some(known) = self.calendars.get(&calendar) {
            return Ok(known.unwrap_or(self.now).max(self.now));
        }
        let working = recipients::calendar(conn, calendar)?;
        let next = next_working_instant(&working, self.now).ok();
        self.calendars.insert(calendar, next);
        Ok(next.unwrap_or(self.now))
    }

    fn deliveries_for(
        &mut self,
        conn: &mut DbConnection,
        event: &QueuedEvent,
        view: &TicketView,
    ) -> Result<Vec<NewNotice>, StoreError> {
        let mut deliveries = Vec::new();
        let body = context::webhook_body(view, event);
        for index in 0..self.subscriptions.len() {
            let subscription = &self.subscriptions[index];
            if !subscribed(&subscription.events, &event.event) {
                continue;
            }
            let (id, url, scope, owner) =
                (subscription.id, subscription.url.clone(), subscription.unit_id, subscription.owner);
            if !self.may_see(conn, owner, scope, view)? {
                continue;
            }
            deliveries.push(NewNotice {
                id: Uuid::now_v7(),
                kind: NoticeKind::Webhook,
                event_id: event.id,
                event: event.event.clone(),
                ticket_id: Some(view.ticket.id),
                audience: format!("subscription:{id}"),
                subscription_id: Some(id),
                recipient: url,
                recipient_name: None,
                template: None,
                subject: None,
                body_text: body.clone(),
                body_html: None,
                critical: false,
                not_before: self.now,
            });
        }
        Ok(deliveries)
    }

    /// A subscription receives what its owner could read through the API:
    /// an active admin every ticket (optionally narrowed to a unit); a front
    /// end's key its own unit's tickets while it is unrevoked and acts for
    /// the unit's desk (tier-1 staff see internal notes too).
    fn may_see(
        &mut self,
        conn: &mut DbConnection,
        owner: Owner,
        scope: Option<Uuid>,
        view: &TicketView,
    ) -> Result<bool, StoreError> {
        let unit = view.ticket.unit_id;
        if scope.is_some_and(|scope| scope != unit) {
            return Ok(false);
        }
        let (key, reach) = match owner {
            Owner::User(id) | Owner::ApiKey(id) => (id, self.owners.get(&id).copied()),
        };
        let reach = match reach {
            Some(reach) => reach,
            None => {
                let reach = subscriptions::owner_reach(conn, owner)?;
                self.owners.insert(key, reach);
                reach
            }
        };
        Ok(match reach {
            None => false,
            Some(None) => true,
            Some(Some(own_unit)) => own_unit == unit,
        })
    }
}
