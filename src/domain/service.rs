//! The catalog of Layanan SPBE: e-government services tickets are about.

use super::text::{Code, DisplayName, TextError};
use super::text_enum::text_enum;
use uuid::Uuid;

text_enum!(
    /// The two kinds of Layanan SPBE.
    ServiceCategory {
        /// *Layanan administrasi pemerintahan berbasis elektronik*.
        AdministrasiPemerintahan => "administrasi_pemerintahan",
        /// *Layanan publik berbasis elektronik*.
        Publik => "publik",
    }
);

text_enum!(
    /// What the service runs on: an application (*aplikasi umum* shared
    /// nationally, or *aplikasi khusus* built for one agency) or SPBE
    /// infrastructure.
    Platform {
        AplikasiUmum => "aplikasi_umum",
        AplikasiKhusus => "aplikasi_khusus",
        PusatData => "pusat_data",
        JaringanIntra => "jaringan_intra",
        SistemPenghubungLayanan => "sistem_penghubung_layanan",
    }
);

impl Platform {
    pub fn is_application(self) -> bool {
        matches!(self, Platform::AplikasiUmum | Platform::AplikasiKhusus)
    }
}

/// A validated catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewService {
    pub code: Code,
    pub name: DisplayName,
    pub description: String,
    pub category: ServiceCategory,
    pub owner_unit_id: Uuid,
    pub platform: Platform,
    pub application_name: Option<DisplayName>,
    pub direct_tier2: bool,
    /// A calendar of its own (a 24×7 service); else the unit's applies.
    pub calendar_id: Option<Uuid>,
    /// Its SLA policy; else the default policy applies.
    pub sla_policy_id: Option<Uuid>,
    /// The shared infrastructure it runs on (for change conflicts).
    pub depends_on: Vec<Platform>,
}

/// A validated partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceChanges {
    pub code: Option<Code>,
    pub name: Option<DisplayName>,
    pub description: Option<String>,
    pub category: Option<ServiceCategory>,
    pub owner_unit_id: Option<Uuid>,
    pub platform: Option<Platform>,
    pub application_name: Option<Option<DisplayName>>,
    pub direct_tier2: Option<bool>,
    pub active: Option<bool>,
    pub calendar_id: Option<Option<Uuid>>,
    pub sla_policy_id: Option<Option<Uuid>>,
    pub depends_on: Option<Vec<Platform>>,
}

/// The shared infrastructure services run on.
pub const SHARED_INFRASTRUCTURE: [Platform; 2] = [Platform::PusatData, Platform::JaringanIntra];

/// What a service may depend on: the shared infrastructure (`pusat_data`,
/// `jaringan_intra`), each once; sorted.
pub fn parse_depends_on(raw: &[Platform]) -> Result<Vec<Platform>, String> {
    let mut list = raw.to_vec();
    if let Some(other) = list.iter().find(|p| !SHARED_INFRASTRUCTURE.contains(p)) {
        return Err(format!(
            "a service depends only on shared infrastructure (pusat_data, jaringan_intra), not {other}"
        ));
    }
    list.sort();
    list.dedup();
    Ok(list)
}

/// The stored form of `depends_on`: comma-separated.
pub fn depends_on_text(list: &[Platform]) -> String {
    list.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

pub fn depends_on_parse_stored(text: &str) -> Result<Vec<Platform>, String> {
    text.split(',').filter(|p| !p.is_empty()).map(str::parse).collect()
}

/// Descriptions are free text up to 4000 characters.
pub fn parse_description(raw: &str) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > 4000 {
        return Err(TextError::TooLong { max: 4000 });
    }
    Ok(trimmed.to_owned())
}

/// An application-backed service names its application; infrastructure does not.
pub fn check_application(platform: Platform, application_name: Option<&DisplayName>) -> Result<(), String> {
    match (platform.is_application(), application_name) {
        (true, None) => Err("an application-backed service needs application_name".to_owned()),
        (false, Some(_)) => Err("infrastructure services have no application_name".to_owned()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applications_are_named_and_infrastructure_is_not() {
        let name = DisplayName::parse("SRIKANDI").ok();
        assert!(check_application(Platform::AplikasiUmum, name.as_ref()).is_ok());
        assert!(check_application(Platform::AplikasiKhusus, None).is_err());
        assert!(check_application(Platform::PusatData, name.as_ref()).is_err());
        assert!(check_application(Platform::JaringanIntra, None).is_ok());
    }

    #[test]
    fn services_depend_on_shared_infrastructure_only() {
        let list = parse_depends_on(&[Platform::JaringanIntra, Platform::PusatData, Platform::PusatData]);
        assert_eq!(list, Ok(vec![Platform::PusatData, Platform::JaringanIntra]));
        assert!(parse_depends_on(&[Platform::AplikasiUmum]).is_err());
        let text = depends_on_text(&[Platform::PusatData, Platform::JaringanIntra]);
        assert_eq!(depends_on_parse_stored(&text), Ok(vec![Platform::PusatData, Platform::JaringanIntra]));
        assert_eq!(depends_on_parse_stored(""), Ok(vec![]));
    }
}
