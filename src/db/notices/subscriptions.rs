//! Webhook subscriptions: where a front end wants to hear of events, with
//! the secret that signs them. A subscription scoped to a unit receives
//! only that unit's tickets.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::journal::{self, snapshot};
use crate::db::schema::webhook_subscriptions as subs;
use crate::db::sql_types::{DbId, OptionalDbId};
use crate::db::versioned::{self, Versioned};
use crate::db::{write_tx, DbConnection, StoreError};
use crate::domain::journal::{Context, Entry, Resource, ResourceChange};
use crate::domain::notice::reach::{self, Reach};
use crate::domain::notice::webhook::WebhookSecret;
use crate::domain::policy::Actor;
use crate::domain::version::Precondition;

/// Who owns a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    User(Uuid),
    ApiKey(Uuid),
}

impl From<Actor> for Owner {
    fn from(actor: Actor) -> Self {
        match actor {
            Actor::User(id) => Owner::User(id),
            Actor::ApiKey(id) => Owner::ApiKey(id),
        }
    }
}

/// A stored subscription; its secrets never leave the store in responses
/// (the snapshot for the audit log skips them too).
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub unit_id: Option<Uuid>,
    pub owner: Owner,
    #[serde(skip)]
    pub secret: WebhookSecret,
    #[serde(skip)]
    pub previous_secret: Option<(WebhookSecret, DateTime<Utc>)>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub consecutive_dead: i32,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Until when its receiver is backed off after a failed delivery
    /// (operational state, kept out of the audit snapshots).
    #[serde(skip)]
    pub deliveries_held_until: Option<DateTime<Utc>>,
}

impl Subscription {
    /// The secrets that sign a delivery at `now`: the current one, and the
    /// previous one during the overlap after a rotation.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&WebhookSecret> {
        let mut secrets = vec![&self.secret];
        if let Some((previous, until)) = &self.previous_secret {
            if now < *until {
                secrets.push(previous);
            }
        }
        secrets
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = subs)]
struct SubscriptionRow {
    #[diesel(serialize_as = DbId)]
    id: Uuid,
    url: String,
    description: String,
    events: String,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    unit_id: Option<Uuid>,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    owner_user_id: Option<Uuid>,
    #[diesel(serialize_as = OptionalDbId, treat_none_as_default_value = false)]
    owner_api_key_id: Option<Uuid>,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<NaiveDateTime>,
    active: bool,
    disabled_reason: Option<String>,
    consecutive_dead: i32,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    deliveries_held_until: Option<NaiveDateTime>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("webhook subscription {what}: {e}"))
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = StoreError;

    fn try_from(row: SubscriptionRow) -> Result<Self, StoreError> {
        let owner = match (row.owner_user_id, row.owner_api_key_id) {
            (Some(user), None) => Owner::User(user),
            (None, Some(key)) => Owner::ApiKey(key),
            _ => return Err(corrupt("owner", "exactly one of user and API key")),
        };
        let previous_secret = match (row.previous_secret, row.previous_secret_until) {
            (Some(secret), Some(until)) => {
                Some((WebhookSecret::parse(&secret).map_err(|e| corrupt("secret", e))?, until.and_utc()))
            }
            _ => None,
        };
        Ok(Self {
            id: row.id,
            url: row.url,
            description: row.description,
            events: serde_json::from_str(&row.events).map_err(|e| corrupt("events", e))?,
            unit_id: row.unit_id,
            owner,
            secret: WebhookSecret::parse(&row.secret).map_err(|e| corrupt("secret", e))?,
            previous_secret,
            active: row.active,
            disabled_reason: row.disabled_reason,
            consecutive_dead: row.consecutive_dead,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            deliveries_held_until: row.deliveries_held_until.map(|t| t.and_utc()),
        })
    }
}

/// A subscription to create (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub unit_id: Option<Uuid>,
    pub owner: Owner,
    pub secret: WebhookSecret,
}

fn events_json(events: &[String]) -> String {
    serde_json::Value::from(events.to_vec()).to_string()
}

pub fn insert(conn: &mut DbConnection, ctx: &Context, new: &NewSubscription) -> Result<Subscription, StoreError> {
    let now = ctx.now.naive_utc();
    let id = Uuid::now_v7();
    let (owner_user_id, owner_api_key_id) = match new.owner {
        Owner::User(user) => (Some(user), None),
        Owner::ApiKey(key) => (None, Some(key)),
    };
    let row = SubscriptionRow {
        id,
        url: new.url.clone(),
        description: new.description.clone(),
        events: events_json(&new.events),
        unit_id: new.unit_id,
        owner_user_id,
        owner_api_key_id,
        secret: new.secret.expose(),
        previous_secret: None,
        previous_secret_until: None,
        active: true,
        disabled_reason: None,
        consecutive_dead: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        deliveries_held_until: None,
    };
    write_tx(conn, |conn| {
        diesel::insert_into(subs::table).values(row).execute(conn)?;
        let stored = find(conn, id)?;
        let entry =
            Entry::resource(Resource::WebhookSubscription, ResourceChange::Created, id).after(snapshot(&stored)?);
        journal::record(conn, ctx, entry)?;
        Ok(stored)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Subscription, StoreError> {
    let row: SubscriptionRow = subs::table.find(DbId(id)).select(SubscriptionRow::as_select()).first(conn)?;
    row.try_into()
}

/// Subscriptions, oldest first; `owner` limits them to one owner's.
pub fn list(
    conn: &mut DbConnection,
    owner: Option<Owner>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<Subscription>, StoreError> {
    let mut query = subs::table.select(SubscriptionRow::as_select()).into_boxed();
    match owner {
        Some(Owner::User(user)) => query = query.filter(subs::owner_user_id.eq(DbId(user))),
        Some(Owner::ApiKey(key)) => query = query.filter(subs::owner_api_key_id.eq(DbId(key))),
        None => {}
    }
    if let Some(after) = after {
        query = query.filter(subs::id.gt(DbId(after)));
    }
    let rows = query.order(subs::id).limit(i64::from(limit)).load(conn)?;
    rows.into_iter().map(Subscription::try_from).collect()
}

/// The active subscriptions (the fan-out filters them per event).
pub fn active(conn: &mut DbConnection) -> Result<Vec<Subscription>, StoreError> {
    let rows: Vec<SubscriptionRow> =
        subs::table.filter(subs::active.eq(true)).select(SubscriptionRow::as_select()).load(conn)?;
    rows.into_iter().map(Subscription::try_from).collect()
}

/// Changes a subscriber may make.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    /// Re-enabling also forgets the dead deliveries that disabled it.
    pub active: Option<bool>,
}

#[derive(AsChangeset)]
#[diesel(table_name = subs)]
struct SubscriptionChangeset {
    url: Option<String>,
    description: Option<String>,
    events: Option<String>,
    active: Option<bool>,
    disabled_reason: Option<Option<String>>,
    consecutive_dead: Option<i32>,
}

pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    change: &SubscriptionChange,
) -> Result<Subscription, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let guard = versioned::check(Versioned::WebhookSubscription, id, before.version, precondition)?;
        let enabling = change.active == Some(true) && !before.active;
        let changeset = SubscriptionChangeset {
            url: change.url.clone().filter(|url| *url != before.url),
            description: change.description.clone().filter(|d| *d != before.description),
            events: change.events.as_ref().filter(|e| **e != before.events).map(|e| events_json(e)),
            active: change.active.filter(|a| *a != before.active),
            disabled_reason: enabling.then_some(None),
            consecutive_dead: enabling.then_some(0),
        };
        if changeset.url.is_none()
            && changeset.description.is_none()
            && changeset.events.is_none()
            && changeset.active.is_none()
        {
            return Ok(before);
        }
        guard.bump(conn, ctx.now)?;
        // A new target, or one enabled again, is tried at once: a back-off
        // earned by the old one does not carry over.
        let fresh_start = changeset.url.is_some() || enabling;
        diesel::update(subs::table.find(DbId(id))).set(changeset).execute(conn)?;
        if fresh_start {
            crate::db::notices::outbox::lift_hold(conn, ctx.now, id)?;
        }
        let after = find(conn, id)?;
        let entry = Entry::resource(Resource::WebhookSubscription, ResourceChange::Updated, id)
            .states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

/// Replaces the secret; the old one keeps signing until `old_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    secret: &WebhookSecret,
    old_until: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        versioned::unconditional(Versioned::WebhookSubscription, id, before.version).bump(conn, ctx.now)?;
        diesel::update(subs::table.find(DbId(id)))
            .set((
                subs::secret.eq(secret.expose()),
                subs::previous_secret.eq(Some(before.secret.expose())),
                subs::previous_secret_until.eq(Some(old_until.naive_utc())),
            ))
            .execute(conn)?;
        let after = find(conn, id)?;
        let entry = Entry::resource(Resource::WebhookSubscription, ResourceChange::SecretRotated, id)
            .states(Some(snapshot(&before)?), Some(snapshot(&after)?));
        journal::record(conn, ctx, entry)?;
        Ok(after)
    })
}

pub fn delete(conn: &mut DbConnection, ctx: &Context, id: Uuid) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        diesel::delete(subs::table.find(DbId(id))).execute(conn)?;
        let entry =
            Entry::resource(Resource::WebhookSubscription, ResourceChange::Deleted, id).before(snapshot(&before)?);
        journal::record(conn, ctx, entry)
    })
}

/// After a delivery: a success forgets earlier dead deliveries; a dead one
/// counts, and `disable_after` in a row disable the subscription. Returns
/// the subscription when this call disabled it (its owner is told).
pub fn delivery_settled(
    conn: &mut DbConnection,
    ctx: &Context,
    id: Uuid,
    dead: bool,
    disable_after: u32,
) -> Result<Option<Subscription>, StoreError> {
    let Ok(before) = find(conn, id) else {
        return Ok(None); // deleted meanwhile
    };
    if !dead {
        if before.consecutive_dead != 0 {
            diesel::update(subs::table.find(DbId(id))).set(subs::consecutive_dead.eq(0)).execute(conn)?;
        }
        return Ok(None);
    }
    // Counted in the database: two dispatchers settling at once both count.
    diesel::update(subs::table.find(DbId(id)))
        .set(subs::consecutive_dead.eq(subs::consecutive_dead + 1))
        .execute(conn)?;
    let count: i32 = subs::table.find(DbId(id)).select(subs::consecutive_dead).first(conn)?;
    let disable = before.active && count >= i32::try_from(disable_after).unwrap_or(i32::MAX);
    if !disable {
        return Ok(None);
    }
    versioned::unconditional(Versioned::WebhookSubscription, id, before.version).bump(conn, ctx.now)?;
    let reason = format!("disabled after {count} dead deliveries in a row");
    diesel::update(subs::table.find(DbId(id)))
        .set((subs::active.eq(false), subs::disabled_reason.eq(Some(reason))))
        .execute(conn)?;
    let after = find(conn, id)?;
    let entry = Entry::resource(Resource::WebhookSubscription, ResourceChange::Updated, id)
        .states(Some(snapshot(&before)?), Some(snapshot(&after)?));
    journal::record(conn, ctx, entry)?;
    Ok(Some(after))
}

/// What an owner may still receive (the domain's [`reach`] decides).
/// Checked when fanning out and again when sending, so access lost in
/// between stops deliveries at once.
pub fn owner_reach(conn: &mut DbConnection, owner: Owner) -> Result<Reach, StoreError> {
    use crate::domain::policy::UserVisibility;
    Ok(match owner {
        Owner::User(id) => match crate::db::users::find(conn, UserVisibility::All, id) {
            Ok(user) => reach::of_user(user.active, &user.roles),
            Err(StoreError::NotFound) => Reach::Nothing,
            Err(e) => return Err(e),
        },
        Owner::ApiKey(id) => match crate::db::api_keys::find(conn, id) {
            Ok(key) => reach::of_key(key.revoked_at.is_some(), &key.roles, key.unit_id),
            Err(StoreError::NotFound) => Reach::Nothing,
            Err(e) => return Err(e),
        },
    })
}
