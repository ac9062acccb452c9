//! The one version-guarded update: every write to a versioned resource
//! (unit, service, user, calendar, SLA policy, ticket, article, asset) checks its
//! precondition and moves the version here.
//!
//! A store function reads the row, calls [`check`] with the version it
//! read, and, if it still has something to change, calls [`Guard::bump`]
//! inside the same transaction before writing the other columns:
//! `UPDATE … SET version = read + 1 WHERE id = ? AND version = read`. On
//! PostgreSQL that statement also takes the row lock, so the columns written
//! after it belong to the version it wrote; SQLite has one writer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{
    assets, calendars, change_templates, changes, freeze_windows, knowledge_articles, services, sla_policies, tickets,
    units, users, webhook_subscriptions,
};
use super::sql_types::DbId;
use super::{DbConnection, StoreError};
use crate::domain::version::{Precondition, VersionConflict};

/// The versioned resources, each with its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    Unit,
    Service,
    User,
    Calendar,
    SlaPolicy,
    Ticket,
    WebhookSubscription,
    Change,
    ChangeTemplate,
    FreezeWindow,
    Article,
    Asset,
}

impl Versioned {
    fn noun(self) -> &'static str {
        match self {
            Versioned::Unit => "unit",
            Versioned::Service => "service",
            Versioned::User => "user",
            Versioned::Calendar => "calendar",
            Versioned::SlaPolicy => "SLA policy",
            Versioned::Ticket => "ticket",
            Versioned::WebhookSubscription => "webhook subscription",
            Versioned::Change => "change",
            Versioned::ChangeTemplate => "change template",
            Versioned::FreezeWindow => "freeze window",
            Versioned::Article => "article",
            Versioned::Asset => "asset",
        }
    }
}

/// A write whose precondition held for the version it read; [`Guard::bump`]
/// writes the next version if no other write got in between.
#[derive(Debug, Clone)]
#[must_use = "a checked write moves the version with `bump`"]
pub struct Guard {
    resource: Versioned,
    id: Uuid,
    read_version: i64,
    precondition: Precondition,
}

fn refused(resource: Versioned, conflict: VersionConflict) -> StoreError {
    match conflict {
        VersionConflict::Stale => StoreError::StaleVersion,
        VersionConflict::Concurrent => StoreError::Conflict(format!(
            "the {} was changed at the same moment; read it again and retry",
            resource.noun()
        )),
    }
}

/// Checks `precondition` against the version just read: a stale `If-Match`
/// is [`StoreError::StaleVersion`] (412).
pub fn check(
    resource: Versioned,
    id: Uuid,
    read_version: i64,
    precondition: &Precondition,
) -> Result<Guard, StoreError> {
    precondition.check(read_version).map_err(|conflict| refused(resource, conflict))?;
    Ok(Guard { resource, id, read_version, precondition: precondition.clone() })
}

/// A guard for a write no client conditioned (the sweeper's escalation, a
/// cascade, a demoted default): it can still lose a race, as a conflict.
pub fn unconditional(resource: Versioned, id: Uuid, read_version: i64) -> Guard {
    Guard { resource, id, read_version, precondition: Precondition::None }
}

impl Guard {
    /// The version the guarded row must still be at.
    pub fn read_version(&self) -> i64 {
        self.read_version
    }

    /// Checks the caller's own update of the row, filtered on
    /// [`Guard::read_version`] and setting `read + 1` (a write that sets
    /// more than the version in one statement): `updated` rows it touched.
    pub fn confirm(self, updated: usize) -> Result<i64, StoreError> {
        if updated == 0 {
            return Err(refused(self.resource, self.precondition.lost_race()));
        }
        Ok(self.read_version + 1)
    }

    /// Writes version `read + 1` (and `updated_at`) if the row is still at
    /// the version read, and returns it. When it is not, another write got
    /// in between: 412 if the client named tags, else 409
    /// ([`Precondition::lost_race`]).
    pub fn bump(self, conn: &mut DbConnection, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let (key, read, next, at) = (self.id, self.read_version, self.read_version + 1, now.naive_utc());
        macro_rules! bump {
            ($table:ident) => {
                diesel::update($table::table.find(DbId(key)).filter($table::version.eq(read)))
                    .set(($table::version.eq(next), $table::updated_at.eq(at)))
                    .execute(conn)?
            };
        }
        let updated = match self.resource {
            Versioned::Unit => bump!(units),
            Versioned::Service => bump!(services),
            Versioned::User => bump!(users),
            Versioned::Calendar => bump!(calendars),
            Versioned::SlaPolicy => bump!(sla_policies),
            Versioned::Ticket => bump!(tickets),
            Versioned::WebhookSubscription => bump!(webhook_subscriptions),
            Versioned::Change => bump!(changes),
            Versioned::ChangeTemplate => bump!(change_templates),
            Versioned::FreezeWindow => bump!(freeze_windows),
            Versioned::Article => bump!(knowledge_articles),
            Versioned::Asset => bump!(assets),
        };
        if updated == 0 {
            return Err(refused(self.resource, self.precondition.lost_race()));
        }
        Ok(next)
    }
}
