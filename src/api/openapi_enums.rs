//! Schemas of the domain's enumerations, written here so that the domain
//! names no framework: each is a string that is one of the names serde
//! writes for the enumeration's values, described by its doc comment
//! (`DOC`, kept by `text_enum!`).

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::openapi_values::one_of;
use crate::domain::asset::{AssetClass, AssetKind, AssetStatus, RelationKind};
use crate::domain::change::approval::{CapacityKind, Decision, Stage};
use crate::domain::change::risk::RiskLevel;
use crate::domain::change::{ChangeEventKind, ChangeScope, ChangeStatus, ChangeType, Outcome, Phase};
use crate::domain::knowledge::{ArticleAudience, ArticleKind, ArticleStatus};
use crate::domain::notice::rules::Audience;
use crate::domain::notice::status::{NoticeKind, NoticeStatus};
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::service::{Platform, ServiceCategory};
use crate::domain::sla::clock::{ClockKind, PauseCause, Standing};
use crate::domain::sla::holiday::HolidayKind;
use crate::domain::ticket::{Channel, Level, PendingReason, Priority, ResolutionCode, Status, TicketType};

/// A doc comment as utoipa writes it: trailing blanks cut, the common
/// indent taken off, lines joined by a newline; none for no lines.
fn description(lines: &[&str]) -> Option<String> {
    let lines: Vec<&str> = lines.iter().map(|line| line.trim_end()).collect();
    let indent = lines.iter().filter(|l| !l.is_empty()).map(|l| l.len() - l.trim_start_matches(' ').len()).min();
    let indent = indent.unwrap_or(0);
    let text: Vec<&str> = lines.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
    (!text.is_empty()).then(|| text.join("\n"))
}

/// A string that is one of the names serde writes for `values`.
fn named<T: serde::Serialize>(values: &[T], doc: &[&str]) -> RefOr<Schema> {
    let names: Vec<String> =
        values.iter().filter_map(|v| serde_json::to_value(v).ok()?.as_str().map(str::to_owned)).collect();
    let mut schema = one_of(names.iter().map(String::as_str));
    schema.description = description(doc);
    RefOr::T(Schema::Object(schema))
}

macro_rules! text_enum_schemas {
    ($($name:ident),+ $(,)?) => {$(
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                named($name::ALL, $name::DOC)
            }
        }

        impl ToSchema for $name {}
    )+};
}

text_enum_schemas!(
    TicketType,
    Level,
    Priority,
    Status,
    Channel,
    PendingReason,
    ResolutionCode,
    ClockKind,
    PauseCause,
    HolidayKind,
    Audience,
    NoticeKind,
    NoticeStatus,
    ChangeType,
    ChangeScope,
    ChangeStatus,
    ArticleKind,
    AssetKind,
    AssetClass,
    AssetStatus,
    RelationKind,
    ArticleAudience,
    ArticleStatus,
    Phase,
    Outcome,
    ChangeEventKind,
    RiskLevel,
    CapacityKind,
    Decision,
    Stage,
    ServiceCategory,
    Platform,
);

/// Enumerations with no `DOC` of their own: their values and description.
macro_rules! enum_schemas {
    ($($name:ident: $doc:literal),+ $(,)?) => {$(
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                named(&$name::ALL, &[$doc])
            }
        }

        impl ToSchema for $name {}
    )+};
}

enum_schemas!(
    Role: "A role a user or service account holds; several may be combined.",
    UnitKind: "What kind of unit: a regional agency, or the Dinas Kominfo hosting tier 2.",
    Standing: "How a clock stands at some instant.",
);

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn an_enumeration_lists_every_value_as_it_is_written() {
        let RefOr::T(Schema::Object(status)) = Status::schema() else { panic!("an object") };
        let written: Vec<Value> = Status::ALL.iter().map(|s| json!(s.as_str())).collect();
        assert_eq!(status.enum_values, Some(written));
        assert_eq!(status.description.as_deref(), Some("Where the ticket is in its life."));
        let listed = [(Role::schema(), Role::ALL.len()), (UnitKind::schema(), 2), (Standing::schema(), 4)];
        for (schema, count) in listed {
            let RefOr::T(Schema::Object(schema)) = schema else { panic!("an object") };
            assert_eq!(schema.enum_values.map(|v| v.len()), Some(count));
        }
    }

    #[test]
    fn a_doc_comment_reads_as_utoipa_writes_it() {
        assert_eq!(description(&[" First line,", " second line.  "]).as_deref(), Some("First line,\nsecond line."));
        assert_eq!(description(&[" A list:", "", "   - indented"]).as_deref(), Some("A list:\n\n  - indented"));
        assert_eq!(description(&[]), None);
    }
}
