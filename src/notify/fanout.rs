//! Fanning queued events out into notices, in one transaction per batch:
//! the rules pick the audiences, the templates render each mail in the
//! recipient's zone, and every subscription that may see the ticket gets
//! a delivery. The events are removed in the same transaction, so each is
//! fanned out exactly once, whichever dispatcher claims it.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::context::{self, Addressee, TicketView};
use super::Notifier;
use crate::db::journal::notice_events::{self as events, QueuedEvent};
use crate::db::notices::outbox::{self, NewNotice, NoticeKind, WebhookEvent};
use crate::db::notices::recipients::{self, Directory, Recipient};
use crate::db::notices::subscriptions::{self, Owner, Subscription};
use crate::db::sla::clocks::StoredClock;
use crate::db::tickets::Ticket;
use crate::db::{sla, tickets, write_tx, DbConnection, StoreError};
use crate::domain::notice::reach::{self, Reach};
use crate::domain::notice::rules::{self, Occasion};
use crate::domain::notice::telling;
use crate::domain::notice::webhook::subscribed;
use crate::domain::sla::math::next_working_instant;
use crate::domain::ticket::Priority;

/// What one fan-out transaction did.
pub struct FanOut {
    /// Events fanned out (and removed).
    pub fanned: usize,
    /// Where the run's next fan-out starts.
    pub last: Option<Uuid>,
    /// Whether more may wait after `last`.
    pub more: bool,
}

/// Fans out the waiting events after `after` (one transaction's worth).
pub fn fan_out(
    conn: &mut DbConnection,
    notifier: &Notifier,
    now: DateTime<Utc>,
    after: Option<Uuid>,
) -> Result<FanOut, StoreError> {
    if !events::may_claim(conn, after)? {
        return Ok(FanOut { fanned: 0, last: after, more: false });
    }
    write_tx(conn, |conn| {
        let claimed = events::claim(conn, after)?;
        let (queued, more) = (claimed.events, claimed.full);
        let last = claimed.last.or(after);
        if queued.is_empty() {
            return Ok(FanOut { fanned: 0, last, more });
        }
        let subscriptions = subscriptions::active(conn)?;
        let mut batch = Batch {
            notifier,
            now,
            subscriptions,
            calendars: HashMap::new(),
            owners: HashMap::new(),
            directory: Directory::default(),
            views: HashMap::new(),
        };
        batch.read_tickets(conn, &queued);
        let (notices, done) = batch.notices_for_all(conn, &queued);
        outbox::insert_all(conn, now, &notices)?;
        events::remove_fanned_out(conn, &done)?;
        Ok(FanOut { fanned: done.len(), last, more })
    })
}

/// Whether a queued event is about a knowledge article (not a ticket).
fn is_article(event: &QueuedEvent) -> bool {
    crate::domain::notice::articles::is_told(&event.event)
}

/// What one fan-out reads once for all its events.
struct Batch<'a> {
    notifier: &'a Notifier,
    now: DateTime<Utc>,
    subscriptions: Vec<Subscription>,
    /// When each calendar's next working hour starts (`None`: never).
    calendars: HashMap<Uuid, Option<DateTime<Utc>>>,
    /// What each subscription owner may see.
    owners: HashMap<Uuid, Reach>,
    directory: Directory,
    /// The batch's tickets, read together up front.
    views: HashMap<Uuid, Rc<TicketView>>,
}

/// Reads a ticket with the names its notices print.
pub fn ticket_view(conn: &mut DbConnection, ticket_id: Uuid) -> Result<TicketView, StoreError> {
    read_view(conn, &mut Directory::default(), ticket_id)
}

fn read_view(conn: &mut DbConnection, directory: &mut Directory, ticket_id: Uuid) -> Result<TicketView, StoreError> {
    let ticket = tickets::find_any(conn, ticket_id)?;
    let clocks = sla::clocks::load(conn, ticket_id)?;
    view_of(conn, directory, ticket, clocks)
}

fn view_of(
    conn: &mut DbConnection,
    directory: &mut Directory,
    ticket: Ticket,
    clocks: Vec<StoredClock>,
) -> Result<TicketView, StoreError> {
    let service = directory.service(conn, ticket.service_id)?;
    let (service_code, service_name, service_owner) =
        (service.code.clone(), service.name.clone(), service.owner_unit_id);
    let unit_name = directory.unit(conn, ticket.unit_id)?.name.clone();
    let account = match ticket.reporter_id {
        Some(id) => directory.person_name(conn, id)?,
        None => None,
    };
    let reporter = account.or_else(|| ticket.reporter_name.clone()).unwrap_or_default();
    Ok(TicketView {
        reporter,
        service_code,
        service_name,
        service_owner,
        unit_name,
        due: clocks.into_iter().map(|c| (c.clock.kind, c.due_at)).collect(),
        ticket,
    })
}

impl Batch<'_> {
    /// The notices of every event, and the events fanned out. All events go
    /// in one savepoint; if one fails, it is rolled back and each event
    /// goes in a savepoint of its own, so one that cannot be fanned out (a
    /// broken record) is logged and left for the next run without holding
    /// up the others. (On PostgreSQL a failed statement aborts whatever
    /// transaction or savepoint it ran in; a savepoint per event in every
    /// batch would cost two round trips each.)
    fn notices_for_all(&mut self, conn: &mut DbConnection, queued: &[QueuedEvent]) -> (Vec<NewNotice>, Vec<Uuid>) {
        use diesel::Connection;
        let together = conn.transaction(|conn| {
            let mut notices = Vec::new();
            for event in queued {
                notices.extend(self.notices_for(conn, event)?);
            }
            Ok::<_, StoreError>(notices)
        });
        if let Ok(notices) = together {
            return (notices, queued.iter().map(|e| e.id).collect());
        }
        let (mut notices, mut done) = (Vec::new(), Vec::new());
        for event in queued {
            match conn.transaction(|conn| self.notices_for(conn, event)) {
                Ok(found) => {
                    notices.extend(found);
                    done.push(event.id);
                }
                Err(e) => {
                    tracing::error!(event = %event.id, error = %e, "notice event not fanned out; tried again later")
                }
            }
        }
        (notices, done)
    }

    /// Reads the tickets of the batch's events and their clocks in two
    /// queries, instead of a ticket and its clocks per event. If that
    /// fails (a broken record among them), each event reads its own, so
    /// the broken one alone is left for later.
    fn read_tickets(&mut self, conn: &mut DbConnection, queued: &[QueuedEvent]) {
        use diesel::Connection;
        let mut ids: Vec<Uuid> =
            queued.iter().filter(|e| !e.event.starts_with("change.") && !is_article(e)).map(|e| e.subject_id).collect();
        ids.sort();
        ids.dedup();
        let directory = &mut self.directory;
        let read = conn.transaction(|conn| {
            let mut clocks = sla::clocks::load_many(conn, &ids)?;
            let mut views = HashMap::new();
            for (ticket, _, _) in tickets::find_many_any(conn, &ids)? {
                let id = ticket.id;
                let view = view_of(conn, directory, ticket, clocks.remove(&id).unwrap_or_default())?;
                views.insert(id, Rc::new(view));
            }
            Ok::<_, StoreError>(views)
        });
        match read {
            Ok(views) => self.views = views,
            Err(e) => tracing::warn!(error = %e, "tickets of a fan-out batch not read together; read one by one"),
        }
    }

    fn notices_for(&mut self, conn: &mut DbConnection, event: &QueuedEvent) -> Result<Vec<NewNotice>, StoreError> {
        if event.event.starts_with("change.") {
            return super::change_fanout::mails_for(conn, &mut self.directory, self.notifier, self.now, event);
        }
        if is_article(event) {
            let (notifier, now, subscriptions) = (self.notifier, self.now, std::mem::take(&mut self.subscriptions));
            let mut directory = std::mem::take(&mut self.directory);
            let found = super::knowledge_fanout::notices_for(
                conn,
                &mut directory,
                notifier,
                now,
                event,
                &subscriptions,
                &mut |conn, owner| self.reach_of(conn, owner),
            );
            (self.subscriptions, self.directory) = (subscriptions, directory);
            return found;
        }
        let view = match self.views.get(&event.subject_id) {
            Some(view) => Rc::clone(view),
            None => Rc::new(read_view(conn, &mut self.directory, event.subject_id)?),
        };
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
            if !telling::may_hear(rule.audience, event.internal()) {
                continue;
            }
            let audience = recipients::resolve(
                conn,
                &mut self.directory,
                rule.audience,
                ticket,
                view.service_owner,
                assignee,
                event.actor_id,
            )?;
            for recipient in audience {
                let opted_out = telling::opted_out(&recipient.opted_out, &[&rule.event, &event.event], rule.essential);
                if opted_out || !told.insert(recipient.address.clone()) {
                    continue;
                }
                let zone = recipient.zone.tz();
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
        let holding = self.notifier.settings.hold_until_working_hours;
        let Some(calendar) = recipient.calendar_id.filter(|_| telling::waits_for_working_hours(holding, critical))
        else {
            return Ok(self.now);
        };
        let next = match self.calendars.get(&calendar) {
            Some(known) => *known,
            None => {
                let working = recipients::calendar(conn, calendar)?;
                let next = next_working_instant(&working, self.now).ok();
                self.calendars.insert(calendar, next);
                next
            }
        };
        Ok(telling::not_before(next, self.now))
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
            let (id, url, scope, owner, held_until) = (
                subscription.id,
                subscription.url.clone(),
                subscription.unit_id,
                subscription.owner,
                subscription.deliveries_held_until,
            );
            if !self.may_see(conn, owner, scope, view)? {
                continue;
            }
            let about =
                WebhookEvent { event_id: event.id, event: event.event.clone(), ticket_id: Some(view.ticket.id) };
            // A receiver backed off after a failure is not sent more meanwhile.
            let not_before = held_until.map_or(self.now, |until| until.max(self.now));
            deliveries.push(NewNotice::webhook(about, id, url, body.clone(), not_before));
        }
        Ok(deliveries)
    }

    /// Whether a subscription may receive the ticket: what its owner could
    /// read through the API (`domain::notice::reach` decides).
    fn may_see(
        &mut self,
        conn: &mut DbConnection,
        owner: Owner,
        scope: Option<Uuid>,
        view: &TicketView,
    ) -> Result<bool, StoreError> {
        Ok(reach::sees(self.reach_of(conn, owner)?, scope, view.ticket.unit_id))
    }

    /// What a subscription's owner may read, looked up once per batch.
    fn reach_of(&mut self, conn: &mut DbConnection, owner: Owner) -> Result<Reach, StoreError> {
        let key = match owner {
            Owner::User(id) | Owner::ApiKey(id) => id,
        };
        if let Some(reach) = self.owners.get(&key) {
            return Ok(*reach);
        }
        let reach = subscriptions::owner_reach(conn, owner)?;
        self.owners.insert(key, reach);
        Ok(reach)
    }
}
