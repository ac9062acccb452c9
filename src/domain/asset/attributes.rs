//! The attributes each kind of asset keeps, typed per kind: a field the
//! kind does not have is refused (422), never stored as free JSON.

use std::net::IpAddr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::kind::AssetKind;

/// A server, physical or virtual.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerAttributes {
    pub cpu_cores: Option<u16>,
    pub memory_gb: Option<u32>,
    pub storage_gb: Option<u32>,
    pub operating_system: Option<String>,
    pub ip_address: Option<IpAddr>,
    #[serde(default)]
    pub virtual_machine: bool,
}

/// A PC or a laptop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkstationAttributes {
    pub processor: Option<String>,
    pub memory_gb: Option<u32>,
    pub storage_gb: Option<u32>,
    pub operating_system: Option<String>,
}

/// A printer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterAttributes {
    #[serde(default)]
    pub colour: bool,
    #[serde(default)]
    pub networked: bool,
}

/// What a network device does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkRole {
    Router,
    Switch,
    Firewall,
    AccessPoint,
}

/// A router, switch, firewall or access point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkDeviceAttributes {
    pub role: NetworkRole,
    pub ports: Option<u16>,
    pub management_ip: Option<IpAddr>,
}

/// Installed software.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftwareAttributes {
    pub vendor: Option<String>,
    pub version: Option<String>,
}

/// A licence: how many seats it grants, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceAttributes {
    pub seats: u32,
    pub expires_on: Option<NaiveDate>,
    pub vendor: Option<String>,
}

/// An application (its Layanan SPBE is the asset's `service_id`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationAttributes {
    pub url: Option<String>,
    pub technology: Option<String>,
    pub developer: Option<String>,
}

/// A data centre.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCentreAttributes {
    /// TIA-942 rating, 1 to 4.
    pub tier: Option<u8>,
    pub address: Option<String>,
}

/// A network or the service bus (sistem penghubung layanan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAttributes {
    pub bandwidth_mbps: Option<u32>,
    pub provider: Option<String>,
}

/// An asset's attributes, one shape per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AssetAttributes {
    Server(ServerAttributes),
    Workstation(WorkstationAttributes),
    Printer(PrinterAttributes),
    NetworkDevice(NetworkDeviceAttributes),
    Software(SoftwareAttributes),
    Licence(LicenceAttributes),
    Application(ApplicationAttributes),
    DataCentre(DataCentreAttributes),
    Network(NetworkAttributes),
}

/// The longest text attribute, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

fn read<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, String> {
    let value = if value.is_null() { serde_json::json!({}) } else { value.clone() };
    serde_json::from_value(value).map_err(|e| e.to_string())
}

impl AssetAttributes {
    /// Reads `value` (an object; `null` is `{}`) as the attributes of
    /// `kind`: an attribute the kind does not have, or a value of the wrong
    /// type, is an error that names it.
    pub fn parse(kind: AssetKind, value: &serde_json::Value) -> Result<Self, String> {
        use AssetKind as K;
        let attributes = match kind {
            K::Server => Self::Server(read(value)?),
            K::Pc | K::Laptop => Self::Workstation(read(value)?),
            K::Printer => Self::Printer(read(value)?),
            K::PerangkatJaringan => Self::NetworkDevice(read(value)?),
            K::PerangkatLunak => Self::Software(read(value)?),
            K::Lisensi => Self::Licence(read(value)?),
            K::Aplikasi => Self::Application(read(value)?),
            K::PusatData => Self::DataCentre(read(value)?),
            K::JaringanIntra | K::SistemPenghubungLayanan => Self::Network(read(value)?),
        };
        attributes.check()?;
        Ok(attributes)
    }

    /// The rules no type states: a licence grants at least one seat, a
    /// data centre's tier is 1 to 4, texts are short.
    fn check(&self) -> Result<(), String> {
        match self {
            Self::Licence(l) if l.seats == 0 => return Err("a licence grants at least one seat".into()),
            Self::DataCentre(DataCentreAttributes { tier: Some(tier), .. }) if !(1..=4).contains(tier) => {
                return Err("a data centre's tier is 1 to 4".into())
            }
            _ => {}
        }
        let json = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let too_long = json.as_object().into_iter().flatten().find(|(_, v)| {
            v.as_str().is_some_and(|s| s.chars().count() > MAX_TEXT_CHARS || s.chars().any(char::is_control))
        });
        match too_long {
            Some((field, _)) => {
                Err(format!("{field} is at most {MAX_TEXT_CHARS} characters, without control characters"))
            }
            None => Ok(()),
        }
    }

    /// The attributes as stored and as the API shows them.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_kind_takes_its_own_attributes() {
        let server = AssetAttributes::parse(AssetKind::Server, &json!({ "cpu_cores": 16, "ip_address": "10.1.2.3" }));
        assert!(matches!(server, Ok(AssetAttributes::Server(ServerAttributes { cpu_cores: Some(16), .. }))));
        let empty = AssetAttributes::parse(AssetKind::Aplikasi, &serde_json::Value::Null);
        assert_eq!(empty, Ok(AssetAttributes::Application(ApplicationAttributes::default())));
        let switch = AssetAttributes::parse(AssetKind::PerangkatJaringan, &json!({ "role": "switch", "ports": 48 }));
        assert!(switch.is_ok());
    }

    #[test]
    fn an_attribute_of_another_kind_is_refused_by_name() {
        let err = AssetAttributes::parse(AssetKind::Printer, &json!({ "cpu_cores": 4 })).unwrap_err();
        assert!(err.contains("unknown field `cpu_cores`"), "{err}");
        assert!(AssetAttributes::parse(AssetKind::Server, &json!({ "ip_address": "not-an-ip" })).is_err());
        assert!(AssetAttributes::parse(AssetKind::Server, &json!([1])).is_err());
    }

    #[test]
    fn licences_have_seats_and_data_centres_a_tier() {
        let licence = json!({ "seats": 50, "expires_on": "2027-03-31" });
        assert!(AssetAttributes::parse(AssetKind::Lisensi, &licence).is_ok());
        assert!(AssetAttributes::parse(AssetKind::Lisensi, &json!({ "seats": 0 })).is_err());
        assert!(AssetAttributes::parse(AssetKind::Lisensi, &json!({})).is_err(), "seats are required");
        assert!(AssetAttributes::parse(AssetKind::PusatData, &json!({ "tier": 5 })).is_err());
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(AssetAttributes::parse(AssetKind::PerangkatLunak, &json!({ "vendor": long })).is_err());
    }

    #[test]
    fn stored_attributes_read_back_the_same() {
        let given = json!({ "role": "router", "ports": 8, "management_ip": "10.0.0.1" });
        let parsed = AssetAttributes::parse(AssetKind::PerangkatJaringan, &given).unwrap();
        assert_eq!(AssetAttributes::parse(AssetKind::PerangkatJaringan, &parsed.to_json()), Ok(parsed));
    }
}
