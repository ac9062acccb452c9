//! The kinds of TIK asset and the class each belongs to.

use crate::domain::text_enum::text_enum;

text_enum! {
    /// What an asset is: perangkat keras (server, pc, laptop, printer,
    /// perangkat_jaringan), perangkat_lunak, a lisensi (with seats and
    /// expiry), an aplikasi (linked to its Layanan SPBE), or SPBE
    /// infrastructure (pusat_data, jaringan_intra, sistem_penghubung_layanan).
    AssetKind {
        Server => "server",
        Pc => "pc",
        Laptop => "laptop",
        Printer => "printer",
        PerangkatJaringan => "perangkat_jaringan",
        PerangkatLunak => "perangkat_lunak",
        Lisensi => "lisensi",
        Aplikasi => "aplikasi",
        PusatData => "pusat_data",
        JaringanIntra => "jaringan_intra",
        SistemPenghubungLayanan => "sistem_penghubung_layanan",
    }
}

text_enum! {
    /// The class of an asset's kind, as the register groups them.
    AssetClass {
        PerangkatKeras => "perangkat_keras",
        PerangkatLunak => "perangkat_lunak",
        Aplikasi => "aplikasi",
        Infrastruktur => "infrastruktur",
    }
}

impl AssetKind {
    pub fn class(self) -> AssetClass {
        use AssetKind as K;
        match self {
            K::Server | K::Pc | K::Laptop | K::Printer | K::PerangkatJaringan => AssetClass::PerangkatKeras,
            K::PerangkatLunak | K::Lisensi => AssetClass::PerangkatLunak,
            K::Aplikasi => AssetClass::Aplikasi,
            K::PusatData | K::JaringanIntra | K::SistemPenghubungLayanan => AssetClass::Infrastruktur,
        }
    }

    /// Shared SPBE infrastructure: owned by the Dinas, and seen by every
    /// desk so that a Perangkat Daerah can say its applications run on it.
    pub fn is_shared_infrastructure(self) -> bool {
        self.class() == AssetClass::Infrastruktur
    }
}

/// Whether an asset of `kind` names the Layanan SPBE it provides: an
/// aplikasi must, infrastructure may (the service that is the
/// infrastructure itself), other kinds do not.
pub fn check_service_link(kind: AssetKind, has_service: bool) -> Result<(), &'static str> {
    match (kind.class(), has_service) {
        (AssetClass::Aplikasi, false) => Err("an aplikasi names the Layanan SPBE it runs (service_id)"),
        (AssetClass::PerangkatKeras | AssetClass::PerangkatLunak, true) => {
            Err("only an aplikasi or infrastructure provides a Layanan SPBE")
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_class_and_infrastructure_is_shared() {
        assert_eq!(AssetKind::Laptop.class(), AssetClass::PerangkatKeras);
        assert_eq!(AssetKind::Lisensi.class(), AssetClass::PerangkatLunak);
        assert!(AssetKind::PusatData.is_shared_infrastructure());
        assert!(!AssetKind::Server.is_shared_infrastructure());
        assert_eq!("perangkat_jaringan".parse(), Ok(AssetKind::PerangkatJaringan));
    }

    #[test]
    fn applications_name_their_service_and_hardware_does_not() {
        assert!(check_service_link(AssetKind::Aplikasi, false).is_err());
        assert!(check_service_link(AssetKind::Aplikasi, true).is_ok());
        assert!(check_service_link(AssetKind::JaringanIntra, true).is_ok());
        assert!(check_service_link(AssetKind::JaringanIntra, false).is_ok());
        assert!(check_service_link(AssetKind::Server, true).is_err());
        assert!(check_service_link(AssetKind::Server, false).is_ok());
    }
}
