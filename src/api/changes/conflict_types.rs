//! The conflict report as the API shows it (`/changes/{id}/conflicts`, and
//! the conflicts an override went past).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::changes::conflicts::{ChangeConflict, ConflictReport, FreezeConflict};
use crate::domain::change::schedule::Window;
use crate::domain::change::ChangeStatus;
use crate::domain::service::Platform;

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowResponse {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Another change whose window overlaps on a shared service or shared
/// infrastructure. `change_id`, `number`, `title` and `status` are `null`
/// when the caller may not read that change: the clash is shown, the change
/// is not.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeConflictResponse {
    pub change_id: Option<Uuid>,
    pub number: Option<String>,
    pub title: Option<String>,
    pub status: Option<ChangeStatus>,
    /// The other change's planned window.
    pub window: WindowResponse,
    /// Services both changes touch.
    pub shared_services: Vec<Uuid>,
    /// `pusat_data` or `jaringan_intra`, when both run on it.
    pub shared_infrastructure: Vec<Platform>,
}

/// A freeze the window falls into.
#[derive(Debug, Serialize, ToSchema)]
pub struct FreezeConflictResponse {
    pub freeze_id: Uuid,
    pub name: String,
    pub reason: String,
    /// The frozen periods the window overlaps.
    pub periods: Vec<WindowResponse>,
}

/// What a window conflicts with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictReportResponse {
    /// The window checked.
    pub window: WindowResponse,
    pub changes: Vec<ChangeConflictResponse>,
    pub freezes: Vec<FreezeConflictResponse>,
}

impl From<Window> for WindowResponse {
    fn from(w: Window) -> Self {
        Self { start: w.start, end: w.end }
    }
}

impl From<ChangeConflict> for ChangeConflictResponse {
    fn from(c: ChangeConflict) -> Self {
        Self {
            change_id: c.change_id,
            number: c.number,
            title: c.title,
            status: c.status,
            window: c.window.into(),
            shared_services: c.shared_services,
            shared_infrastructure: c.shared_infrastructure,
        }
    }
}

impl From<FreezeConflict> for FreezeConflictResponse {
    fn from(f: FreezeConflict) -> Self {
        Self {
            freeze_id: f.freeze_id,
            name: f.name,
            reason: f.reason,
            periods: f.periods.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<ConflictReport> for ConflictReportResponse {
    fn from(r: ConflictReport) -> Self {
        Self {
            window: r.window.into(),
            changes: r.changes.into_iter().map(Into::into).collect(),
            freezes: r.freezes.into_iter().map(Into::into).collect(),
        }
    }
}
