//! An asset's life cycle as the regional asset regulation names its
//! stages: perencanaan → pengadaan → digunakan ⇄ pemeliharaan →
//! dihapuskan. Which moves are allowed is decided here alone.

use crate::domain::text_enum::text_enum;

text_enum! {
    /// Where an asset stands in its life cycle.
    AssetStatus {
        Perencanaan => "perencanaan",
        Pengadaan => "pengadaan",
        Digunakan => "digunakan",
        Pemeliharaan => "pemeliharaan",
        Dihapuskan => "dihapuskan",
    }
}

/// Why an asset cannot move to a status from where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an asset that is {from} cannot move to {to}")]
pub struct StatusMoveError {
    pub from: AssetStatus,
    pub to: AssetStatus,
}

impl AssetStatus {
    /// Moves an asset standing at `self` to `to`.
    pub fn move_to(self, to: AssetStatus) -> Result<AssetStatus, StatusMoveError> {
        use AssetStatus as S;
        let allowed = match (self, to) {
            // A planned purchase is procured.
            (S::Perencanaan, S::Pengadaan) => true,
            // What was procured is put into use.
            (S::Pengadaan, S::Digunakan) => true,
            // Taken out of service for repair, and back.
            (S::Digunakan, S::Pemeliharaan) | (S::Pemeliharaan, S::Digunakan) => true,
            // Removed from the register (penghapusan): a held asset, or a
            // plan or purchase that was dropped. Nothing comes back.
            (S::Perencanaan | S::Pengadaan | S::Digunakan | S::Pemeliharaan, S::Dihapuskan) => true,
            (S::Perencanaan | S::Pengadaan | S::Digunakan | S::Pemeliharaan | S::Dihapuskan, _) => false,
        };
        if allowed {
            Ok(to)
        } else {
            Err(StatusMoveError { from: self, to })
        }
    }

    /// Whether the asset still runs something (impact counts it).
    pub fn in_service(self) -> bool {
        matches!(self, AssetStatus::Digunakan | AssetStatus::Pemeliharaan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssetStatus as S;

    #[test]
    fn the_life_cycle_runs_forward_with_maintenance_and_back() {
        assert_eq!(S::Perencanaan.move_to(S::Pengadaan), Ok(S::Pengadaan));
        assert_eq!(S::Pengadaan.move_to(S::Digunakan), Ok(S::Digunakan));
        assert_eq!(S::Digunakan.move_to(S::Pemeliharaan), Ok(S::Pemeliharaan));
        assert_eq!(S::Pemeliharaan.move_to(S::Digunakan), Ok(S::Digunakan));
        assert_eq!(S::Pemeliharaan.move_to(S::Dihapuskan), Ok(S::Dihapuskan));
        let err = S::Perencanaan.move_to(S::Digunakan).unwrap_err();
        assert_eq!(err.to_string(), "an asset that is perencanaan cannot move to digunakan");
    }

    #[test]
    fn nothing_leaves_dihapuskan_and_no_status_moves_to_itself() {
        for to in S::ALL {
            assert!(S::Dihapuskan.move_to(*to).is_err());
        }
        for status in S::ALL {
            assert!(status.move_to(*status).is_err());
        }
    }
}

text_enum! {
    /// What happened to an asset, as the journal names it (`asset.<name>`).
    AssetChange {
        Created => "created",
        Updated => "updated",
        StatusChanged => "status_changed",
        RelationAdded => "relation_added",
        RelationRemoved => "relation_removed",
    }
}
