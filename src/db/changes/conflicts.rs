//! What a change window collides with: other approved, scheduled or running
//! changes on the same service or on the same shared infrastructure, and the
//! freeze windows it falls into. A report names another change only to a
//! caller who may read it (`seen_by`); to others it shows the clash alone.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::freezes;
use super::{find_any, visible, Change};
use crate::db::schema::{changes, services};
use crate::db::sql_types::{db_ids, DbId};
use crate::db::{DbConnection, StoreError};
use crate::domain::change::access::ChangeVisibility;
use crate::domain::change::schedule::{shared, Footprint, Window};
use crate::domain::change::ChangeStatus;
use crate::domain::service::{depends_on_parse_stored, Platform};

/// Another change in the way. Its id, number, title and status are `None`
/// for a caller who may not read it: the clash (window, shared services
/// and infrastructure) is theirs to know, the other change is not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeConflict {
    pub change_id: Option<Uuid>,
    pub number: Option<String>,
    pub title: Option<String>,
    pub status: Option<ChangeStatus>,
    pub window: Window,
    pub shared_services: Vec<Uuid>,
    pub shared_infrastructure: Vec<Platform>,
}

impl ChangeConflict {
    fn hide(&mut self) {
        self.change_id = None;
        self.number = None;
        self.title = None;
        self.status = None;
    }
}

/// A freeze the window falls into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreezeConflict {
    pub freeze_id: Uuid,
    pub name: String,
    pub reason: String,
    /// The frozen periods the window overlaps.
    pub periods: Vec<Window>,
}

/// What a window conflicts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictReport {
    pub window: Window,
    pub changes: Vec<ChangeConflict>,
    pub freezes: Vec<FreezeConflict>,
}

impl ConflictReport {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.freezes.is_empty()
    }

    pub fn count(&self) -> usize {
        self.changes.len() + self.freezes.len()
    }

    /// For an error message: the numbers (of the changes shown) and freeze names.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .changes
            .iter()
            .map(|c| match &c.number {
                Some(number) => format!("change {number}"),
                None => "a change of another unit on the same service or infrastructure".to_owned(),
            })
            .collect();
        parts.extend(self.freezes.iter().map(|f| format!("freeze window `{}`", f.name)));
        parts.join(", ")
    }

    /// The report without any other change's id, number, title or status,
    /// for a reader whose every read would otherwise need checking.
    pub fn without_changes_named(mut self) -> Self {
        self.changes.iter_mut().for_each(ChangeConflict::hide);
        self
    }
}

/// The report as a caller with `visibility` may see it: the other changes
/// they may not read are not named.
pub fn seen_by(
    conn: &mut DbConnection,
    visibility: ChangeVisibility,
    mut report: ConflictReport,
) -> Result<ConflictReport, StoreError> {
    if visibility == ChangeVisibility::All {
        return Ok(report);
    }
    for conflict in &mut report.changes {
        let readable = match conflict.change_id {
            Some(id) => {
                let other = find_any(conn, id)?;
                visible(conn, visibility, &other)?
            }
            None => false,
        };
        if !readable {
            conflict.hide();
        }
    }
    Ok(report)
}

/// The services' footprints: their own platform and what they run on.
pub fn footprints(conn: &mut DbConnection, service_ids: &[Uuid]) -> Result<Vec<Footprint>, StoreError> {
    let keys = db_ids(service_ids);
    let rows: Vec<(Uuid, String, String)> = services::table
        .filter(services::id.eq_any(keys))
        .select((services::id, services::platform, services::depends_on))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, platform, depends)| {
            let platform: Platform = platform.parse().map_err(StoreError::Corrupt)?;
            let depends = depends_on_parse_stored(&depends).map_err(StoreError::Corrupt)?;
            Ok(Footprint::new(id, platform, &depends))
        })
        .collect()
}

/// What `window` for `change` conflicts with, every change named (see
/// [`seen_by`] before showing it to anyone).
pub fn find_for(conn: &mut DbConnection, change: &Change, window: &Window) -> Result<ConflictReport, StoreError> {
    let mine = footprints(conn, &change.service_ids)?;
    let active = [ChangeStatus::Approved, ChangeStatus::Scheduled, ChangeStatus::Implementing].map(|s| s.as_str());
    let overlapping: Vec<Uuid> = changes::table
        .filter(changes::status.eq_any(active))
        .filter(changes::planned_start.lt(window.end.naive_utc()))
        .filter(changes::planned_end.gt(window.start.naive_utc()))
        .filter(changes::id.ne(DbId(change.id)))
        .order(changes::planned_start)
        .select(changes::id)
        .load(conn)?;
    let mut found = Vec::new();
    for id in overlapping {
        let other = find_any(conn, id)?;
        let Some(other_window) = other.planned else { continue };
        let (shared_services, shared_infrastructure) = shared(&mine, &footprints(conn, &other.service_ids)?);
        if shared_services.is_empty() && shared_infrastructure.is_empty() {
            continue;
        }
        found.push(ChangeConflict {
            change_id: Some(other.id),
            number: Some(other.number),
            title: Some(other.title),
            status: Some(other.status),
            window: other_window,
            shared_services,
            shared_infrastructure,
        });
    }
    let mut units = super::approval_records::owner_units(conn, change)?;
    units.push(change.owner_unit_id);
    let mut frozen = Vec::new();
    for freeze in freezes::all(conn)? {
        if !freeze.applies_to(&change.service_ids, &units) {
            continue;
        }
        let calendar = freeze.calendar(conn)?;
        let periods = freeze.rule.periods(&calendar, window);
        if !periods.is_empty() {
            frozen.push(FreezeConflict { freeze_id: freeze.id, name: freeze.name, reason: freeze.reason, periods });
        }
    }
    Ok(ConflictReport { window: *window, changes: found, freezes: frozen })
}
