//! The enumerations of a ticket, each stored as text (or a small integer
//! for the tier) and parsed back strictly.

use serde::{Deserialize, Serialize};

use crate::domain::text_enum::text_enum;

text_enum!(
    /// The five kinds of request of *Pelayanan Pengguna SPBE*.
    TicketType {
        /// *keluhan*
        Complaint => "complaint",
        /// *gangguan* (insiden)
        Incident => "incident",
        /// *masalah*: the cause behind one or more incidents.
        Problem => "problem",
        /// *permintaan* (layanan, akses)
        ServiceRequest => "service_request",
        /// *perubahan*
        ChangeRequest => "change_request",
    }
);

text_enum!(
    /// Impact or urgency.
    Level { High => "high", Medium => "medium", Low => "low" }
);

text_enum!(
    /// *kritis, tinggi, sedang, rendah*.
    Priority { Critical => "critical", High => "high", Medium => "medium", Low => "low" }
);

text_enum!(
    /// Where the ticket is in its life.
    Status {
        /// *baru*: waiting in a queue.
        New => "new",
        Assigned => "assigned",
        /// *diproses*
        InProgress => "in_progress",
        /// *tertunda*: waiting for the reporter or a vendor.
        Pending => "pending",
        /// *selesai*, awaiting the reporter's confirmation.
        Resolved => "resolved",
        Closed => "closed",
    }
);

text_enum!(
    /// How the request reached the desk.
    Channel { Web => "web", Email => "email", Phone => "phone", WalkIn => "walk_in", Api => "api" }
);

text_enum!(
    /// Why work waits.
    PendingReason { WaitingForReporter => "waiting_for_reporter", WaitingForVendor => "waiting_for_vendor" }
);

text_enum!(
    /// How a ticket was resolved.
    ResolutionCode {
        Solved => "solved",
        Workaround => "workaround",
        NotReproducible => "not_reproducible",
        Duplicate => "duplicate",
        OutOfScope => "out_of_scope",
        WithdrawnByReporter => "withdrawn_by_reporter",
    }
);

/// Which desk holds the ticket: 1 (the PD's) or 2 (the Dinas's).
/// In OpenAPI documents it appears as an integer (`#[schema(value_type = i16)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i16", into = "i16")]
pub enum Tier {
    One,
    Two,
}

impl From<Tier> for i16 {
    fn from(tier: Tier) -> i16 {
        match tier {
            Tier::One => 1,
            Tier::Two => 2,
        }
    }
}

impl TryFrom<i16> for Tier {
    type Error = String;

    fn try_from(value: i16) -> Result<Self, String> {
        match value {
            1 => Ok(Tier::One),
            2 => Ok(Tier::Two),
            other => Err(format!("tier must be 1 or 2, not {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_round_trip_and_name_the_choices_on_error() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(*status));
        }
        let error = "kecamatan".parse::<TicketType>().unwrap_err();
        assert!(error.contains("complaint, incident, problem, service_request, change_request"), "{error}");
    }

    #[test]
    fn tiers_are_one_or_two() {
        assert_eq!(Tier::try_from(2), Ok(Tier::Two));
        assert!(Tier::try_from(3).is_err());
        assert_eq!(i16::from(Tier::One), 1);
    }
}
