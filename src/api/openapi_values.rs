//! Schemas of request values that Rust holds as plain strings, numbers or
//! maps but the server takes only some of: the sorts and groupings of
//! lists, zones, notice events, planned dates. Each is built from the
//! constant the server's own check reads, so the document cannot drift from
//! the check. A field names one with `value_type = …` (a component, so its
//! doc comment stays); `ValueRules` bounds what a field attribute cannot.
//! The domain's own values have their schemas in `openapi_domain`.

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, Object, ObjectBuilder, Ref, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{Modify, Number, PartialSchema, ToSchema};

use crate::domain::notice::rules::{AUTO_ESCALATED, NOTICE_EVENTS, SLA_BREACHED};
use crate::domain::sla::Target;
use crate::domain::ticket::Priority;

/// A string that is one of `values`.
pub fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// Declares a component schema, `$name`: a string that is one of `$values`
/// (an expression yielding `&str`s).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident = $values:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(
                    $crate::api::openapi_values::one_of($values),
                ))
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use string_enum;

string_enum!(
    /// The notice events (`rules::NOTICE_EVENTS`).
    NoticeEvent = NOTICE_EVENTS.iter().copied()
);

string_enum!(
    /// The notice events a person may opt out of: all but the breach, which
    /// `rules::check` always makes essential.
    OptionalNoticeEvent = NOTICE_EVENTS.iter().copied().filter(|event| *event != SLA_BREACHED)
);

string_enum!(
    /// What a webhook subscription may name (`check_event_type`).
    WebhookEvent = webhook_events()
);

/// What a webhook subscription may name: the notice events but the
/// mail-only auto-escalation, `webhook.ping`, `audit.checkpoint`, or `*`.
pub fn webhook_events() -> impl Iterator<Item = &'static str> {
    let extra = ["webhook.ping", crate::domain::notice::webhook::AUDIT_CHECKPOINT, "*"];
    let knowledge = crate::domain::notice::articles::KNOWLEDGE_EVENTS.iter().copied();
    NOTICE_EVENTS.iter().copied().filter(|event| *event != AUTO_ESCALATED).chain(knowledge).chain(extra)
}

/// A date (`YYYY-MM-DD`) in the years calendars plan for
/// (`calendar_rules::PLANNED_YEARS`, 2000–2200): 2100 and 2200 are not leap
/// years.
pub const PLANNED_DATE: &str = concat!(
    "^((2[01][0-9]{2}|2200)-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)",
    "|(2000|2[01](0[48]|[2468][048]|[13579][26]))-02-29)$"
);

/// A date in the years calendars plan for.
pub struct PlannedDate;

impl PartialSchema for PlannedDate {
    fn schema() -> RefOr<Schema> {
        let mut date = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(PLANNED_DATE))
            .build();
        date.description = Some("A date from 2000 to 2200 (`YYYY-MM-DD`).".to_owned());
        RefOr::T(Schema::Object(date))
    }
}

impl ToSchema for PlannedDate {}

/// A policy's targets: one for each priority, all four required.
pub struct PolicyTargets;

impl PartialSchema for PolicyTargets {
    fn schema() -> RefOr<Schema> {
        let mut targets = ObjectBuilder::new().additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for priority in Priority::ALL {
            targets = targets
                .property(priority.as_str(), Ref::from_schema_name("PriorityTargets"))
                .required(priority.as_str());
        }
        RefOr::T(Schema::Object(targets.build()))
    }
}

impl ToSchema for PolicyTargets {}

/// An IANA time zone name, as `chrono-tz` (and so the server) knows them.
pub struct IanaZone;

impl PartialSchema for IanaZone {
    fn schema() -> RefOr<Schema> {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
        let mut zone = one_of(names.clone());
        // Generators name an enum's members from its values; `Etc/GMT+1`
        // and `Etc/GMT-1` would both become `ETC_GMT1`, so each is named here.
        let member_names: Vec<String> = names.map(zone_member_name).collect();
        zone.extensions = Some(Extensions::from_iter([("x-enum-varnames", member_names)]));
        zone.description = Some(
            "An IANA time zone name, such as `Asia/Jakarta` (WIB), `Asia/Makassar` (WITA) or `Asia/Jayapura` (WIT)."
                .to_owned(),
        );
        RefOr::T(Schema::Object(zone))
    }
}

impl ToSchema for IanaZone {}

/// A zone's member name for generated clients: `Etc/GMT+1` is
/// `ETC_GMT_PLUS_1`, `America/Port-au-Prince` is `AMERICA_PORT_AU_PRINCE`.
fn zone_member_name(zone: &str) -> String {
    let spelled = zone.replace('+', "_PLUS_").replace("GMT-", "GMT_MINUS_");
    let words = spelled.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty());
    words.map(str::to_ascii_uppercase).collect::<Vec<_>>().join("_")
}

/// The rules of values in parameters, and of bodies that are bare lists:
/// what a field attribute cannot say.
pub struct ValueRules;

impl Modify for ValueRules {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path == "/api/v1/calendars/{id}/due" {
                let parameters = item.get.iter_mut().flat_map(|op| op.parameters.iter_mut().flatten());
                for parameter in parameters.filter(|p| p.name == "value") {
                    if let Some(RefOr::T(Schema::Object(value))) = parameter.schema.as_mut() {
                        // The largest unit's bound: the bound of each is the description's.
                        let largest = Target::UNITS.iter().filter_map(|unit| Target::of_unit(unit, 1));
                        let max = largest.map(Target::max_value).max().unwrap_or(u32::MAX);
                        value.maximum = Some(Number::UInt(max as usize));
                    }
                }
            }
            if path == "/api/v1/calendars/{id}/holidays" {
                // `holiday::parse_import`: an import names at least one holiday.
                let bodies = item.post.iter_mut().filter_map(|op| op.request_body.as_mut());
                for content in bodies.flat_map(|body| body.content.values_mut()) {
                    if let Some(RefOr::T(Schema::Array(list))) = content.schema.as_mut() {
                        list.min_items = Some(1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notice::webhook::check_event_type;

    #[test]
    fn every_listed_webhook_event_is_taken_and_the_auto_escalation_is_not() {
        for event in webhook_events() {
            assert!(check_event_type(event).is_ok(), "{event}");
        }
        assert!(check_event_type(AUTO_ESCALATED).is_err());
        assert!(!webhook_events().any(|event| event == AUTO_ESCALATED));
    }

    #[test]
    fn the_planned_date_pattern_takes_exactly_the_planned_dates() {
        use crate::domain::sla::calendar_rules::within_planned_years;
        let pattern = regex::Regex::new(PLANNED_DATE).unwrap();
        let mut day = chrono::NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        while day.format("%Y").to_string() != "2202" {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(pattern.is_match(&text), within_planned_years(day).is_ok(), "{text}");
            day = day.succ_opt().unwrap();
        }
        for wrong in ["2100-02-29", "2200-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "2026-1-1"] {
            assert!(!pattern.is_match(wrong), "{wrong}");
        }
    }

    #[test]
    fn every_zone_has_its_own_member_name() {
        let names: std::collections::HashSet<String> =
            chrono_tz::TZ_VARIANTS.iter().map(|zone| zone_member_name(zone.name())).collect();
        assert_eq!(names.len(), chrono_tz::TZ_VARIANTS.len());
        assert_eq!(zone_member_name("Etc/GMT+1"), "ETC_GMT_PLUS_1");
        assert_eq!(zone_member_name("Etc/GMT-1"), "ETC_GMT_MINUS_1");
        assert_eq!(zone_member_name("Asia/Jakarta"), "ASIA_JAKARTA");
    }

    #[test]
    fn every_listed_zone_parses() {
        for zone in chrono_tz::TZ_VARIANTS {
            assert!(crate::domain::organisation::TimeZone::parse(zone.name()).is_ok(), "{}", zone.name());
        }
    }
}
