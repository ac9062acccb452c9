//! Who an audience is, for one ticket: addresses, names, the zone their
//! times are written in, and the calendar of their working hours.

use std::collections::hash_map::{Entry, HashMap};

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::changes::Change;
use crate::db::schema::{units, users};
use crate::db::services::{self, Service};
use crate::db::sql_types::DbId;
use crate::db::tickets::Ticket;
use crate::db::units::Unit;
use crate::db::{calendars, units as unit_store, DbConnection, StoreError};
use crate::domain::change::notices::ChangeAudience;
use crate::domain::notice::rules::Audience;
use crate::domain::notice::telling::assignee_to_tell;
use crate::domain::notice::wording::team_name;
use crate::domain::organisation::TimeZone;
use crate::domain::role::{Role, RoleSet};
use crate::domain::sla::calendar::WorkingCalendar;

/// One person or team mailbox to tell.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub address: String,
    pub name: String,
    /// The zone of the recipient's unit (times are written in it).
    pub zone: TimeZone,
    /// Whose working hours a non-critical notice waits for.
    pub calendar_id: Option<Uuid>,
    /// Events this user turned off (none for mailboxes).
    pub opted_out: Vec<String>,
}

/// Services, units and people as one fan-out reads them: each at most once
/// per batch, as a batch of events mostly names the same services and
/// tells the same desks and reporters.
#[derive(Default)]
pub struct Directory {
    services: HashMap<Uuid, Service>,
    units: HashMap<Uuid, Unit>,
    dinas: Option<Option<Uuid>>,
    users: HashMap<Uuid, Vec<Recipient>>,
    holders: HashMap<Role, Vec<(Uuid, Uuid, Recipient)>>,
}

impl Directory {
    pub fn service(&mut self, conn: &mut DbConnection, id: Uuid) -> Result<&Service, StoreError> {
        Ok(match self.services.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(services::find(conn, id)?),
        })
    }

    pub fn unit(&mut self, conn: &mut DbConnection, id: Uuid) -> Result<&Unit, StoreError> {
        Ok(match self.units.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(unit_store::find(conn, id)?),
        })
    }

    fn dinas(&mut self, conn: &mut DbConnection) -> Result<Option<Uuid>, StoreError> {
        if self.dinas.is_none() {
            self.dinas = Some(unit_store::find_dinas(conn)?.map(|d| d.id));
        }
        Ok(self.dinas.flatten())
    }

    fn user(&mut self, conn: &mut DbConnection, id: Uuid) -> Result<Vec<Recipient>, StoreError> {
        Ok(match self.users.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(user(conn, id)?),
        }
        .clone())
    }

    /// A person's name, active or not (a reporter who left is still named).
    pub fn person_name(&mut self, conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, StoreError> {
        if let Some(known) = self.users.get(&id).and_then(|r| r.first()) {
            return Ok(Some(known.name.clone()));
        }
        Ok(users::table.find(DbId(id)).select(users::name).first(conn).optional()?)
    }

    /// Every active holder of `role`, with their id and unit.
    fn with_role(&mut self, conn: &mut DbConnection, role: Role) -> Result<Vec<(Uuid, Uuid, Recipient)>, StoreError> {
        Ok(match self.holders.entry(role) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(with_role(conn, role)?),
        }
        .clone())
    }

    fn mailbox(&mut self, conn: &mut DbConnection, unit: Option<Uuid>) -> Result<Vec<Recipient>, StoreError> {
        let Some(unit) = unit else { return Ok(Vec::new()) };
        let unit = self.unit(conn, unit)?;
        Ok(vec![Recipient {
            address: unit.mailbox.clone(),
            name: team_name(&unit.name),
            zone: unit.time_zone,
            calendar_id: unit.calendar_id,
            opted_out: Vec::new(),
        }])
    }
}

/// The people and mailboxes of `audience` for `ticket`; `assignee` is the
/// user an assignment named, `actor` the user who caused the event (not
/// told of their own assignment).
pub fn resolve(
    conn: &mut DbConnection,
    dir: &mut Directory,
    audience: Audience,
    ticket: &Ticket,
    service_owner: Uuid,
    assignee: Option<Uuid>,
    actor: Option<Uuid>,
) -> Result<Vec<Recipient>, StoreError> {
    match audience {
        Audience::Reporter => match ticket.reporter_id {
            Some(id) => dir.user(conn, id),
            None => {
                let unit = dir.unit(conn, ticket.unit_id)?;
                Ok(ticket
                    .reporter_email
                    .clone()
                    .map(|address| Recipient {
                        address,
                        name: ticket.reporter_name.clone().unwrap_or_else(|| "Bapak/Ibu".to_owned()),
                        zone: unit.time_zone,
                        calendar_id: unit.calendar_id,
                        opted_out: Vec::new(),
                    })
                    .into_iter()
                    .collect())
            }
        },
        Audience::Tier1Mailbox => dir.mailbox(conn, Some(ticket.unit_id)),
        Audience::Tier2Mailbox => {
            let dinas = dir.dinas(conn)?;
            dir.mailbox(conn, dinas)
        }
        Audience::ServiceOwner => dir.mailbox(conn, Some(service_owner)),
        Audience::Assignee => match assignee_to_tell(assignee, actor) {
            Some(id) => dir.user(conn, id),
            None => Ok(Vec::new()),
        },
        Audience::UnitHead => {
            let unit = dir.unit(conn, ticket.unit_id)?;
            Ok(unit
                .head_email
                .clone()
                .map(|address| Recipient {
                    address,
                    name: unit.head_name.clone().unwrap_or_else(|| format!("Kepala {}", unit.name)),
                    zone: unit.time_zone,
                    calendar_id: unit.calendar_id,
                    opted_out: Vec::new(),
                })
                .into_iter()
                .collect())
        }
        Audience::Supervisors => Ok(dir.with_role(conn, Role::Supervisor)?.into_iter().map(|(_, _, r)| r).collect()),
    }
}

/// A user with the zone and calendar of their unit, as `user_columns`
/// selects them.
#[derive(Queryable)]
struct UserWithUnit {
    id: Uuid,
    name: String,
    email: String,
    active: bool,
    notice_opt_outs: String,
    time_zone: TimeZone,
    calendar_id: Option<Uuid>,
    roles: String,
}

fn user_columns() -> (
    users::id,
    users::name,
    users::email,
    users::active,
    users::notice_opt_outs,
    units::time_zone,
    units::calendar_id,
    users::roles,
) {
    (
        users::id,
        users::name,
        users::email,
        users::active,
        users::notice_opt_outs,
        units::time_zone,
        units::calendar_id,
        users::roles,
    )
}

fn recipient(row: UserWithUnit) -> Result<Option<Recipient>, StoreError> {
    if !row.active {
        return Ok(None);
    }
    Ok(Some(Recipient {
        address: row.email,
        name: row.name,
        zone: row.time_zone,
        calendar_id: row.calendar_id,
        opted_out: serde_json::from_str(&row.notice_opt_outs)
            .map_err(|e| StoreError::Corrupt(format!("opt-outs: {e}")))?,
    }))
}

fn user(conn: &mut DbConnection, id: Uuid) -> Result<Vec<Recipient>, StoreError> {
    let row: Option<UserWithUnit> = users::table
        .inner_join(units::table)
        .filter(users::id.eq(DbId(id)))
        .select(user_columns())
        .first(conn)
        .optional()?;
    Ok(row.map(recipient).transpose()?.flatten().into_iter().collect())
}

/// Every active holder of `role` (roles are stored comma-separated), with
/// their id and unit.
fn with_role(conn: &mut DbConnection, role: Role) -> Result<Vec<(Uuid, Uuid, Recipient)>, StoreError> {
    let rows: Vec<(Uuid, UserWithUnit)> = users::table
        .inner_join(units::table)
        .filter(users::active.eq(true))
        .filter(users::roles.like(format!("%{}%", role.as_str())))
        .order(users::id)
        .select((users::unit_id, user_columns()))
        .load(conn)?;
    let mut found = Vec::new();
    for (unit, row) in rows {
        let roles = RoleSet::from_stored(&row.roles).map_err(|e| StoreError::Corrupt(format!("roles: {e}")))?;
        if roles.contains(role) {
            let id = row.id;
            if let Some(r) = recipient(row)? {
                found.push((id, unit, r));
            }
        }
    }
    Ok(found)
}

/// The people and mailboxes of a change notice's audience; `asked` are the
/// approvers still to decide, those who may give an approval the change
/// still needs (`db::changes::round::asked`).
pub fn for_change(
    conn: &mut DbConnection,
    dir: &mut Directory,
    audience: ChangeAudience,
    change: &Change,
    asked: &[Uuid],
) -> Result<Vec<Recipient>, StoreError> {
    match audience {
        ChangeAudience::PendingApprovers => {
            let mut found = Vec::new();
            for approver in asked {
                found.extend(dir.user(conn, *approver)?);
            }
            Ok(found)
        }
        ChangeAudience::Requester => dir.user(conn, change.requester_id),
        ChangeAudience::OwnerUnit => dir.mailbox(conn, Some(change.owner_unit_id)),
        ChangeAudience::ServiceOwners => {
            let mut owners = crate::db::changes::approvals::owner_units(conn, change)?;
            owners.sort();
            owners.dedup();
            let mut found = Vec::new();
            for owner in owners {
                found.extend(dir.mailbox(conn, Some(owner))?);
            }
            Ok(found)
        }
        ChangeAudience::Tier2Mailbox => {
            let dinas = dir.dinas(conn)?;
            dir.mailbox(conn, dinas)
        }
    }
}

/// The working calendar of a recipient, for holding non-critical notices.
pub fn calendar(conn: &mut DbConnection, id: Uuid) -> Result<WorkingCalendar, StoreError> {
    calendars::find(conn, id)?.working()
}

/// The owners of an article a reader flagged: its author and the people
/// of its owning unit who edit or review it (its tier 1; in the Dinas, its
/// tier 2 and supervisors too).
pub fn for_article_owners(
    conn: &mut DbConnection,
    dir: &mut Directory,
    author: Uuid,
    owner_unit: Uuid,
) -> Result<Vec<Recipient>, StoreError> {
    let mut found = dir.user(conn, author)?;
    let mut roles = vec![Role::Tier1Technician];
    if dir.dinas(conn)? == Some(owner_unit) {
        roles.extend([Role::Tier2Engineer, Role::Supervisor]);
    }
    for role in roles {
        let holders = dir.with_role(conn, role)?;
        found.extend(holders.into_iter().filter(|(_, unit, _)| *unit == owner_unit).map(|(_, _, r)| r));
    }
    Ok(found)
}
