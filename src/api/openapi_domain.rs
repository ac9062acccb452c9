//! Schemas of the domain's structured values, written here so that the
//! domain names no framework: the SLA target, a policy's targets, the
//! report's figures, working hours and a change's risk assessment (the
//! enumerations are in `openapi_enums`). The tests below hold every schema
//! to the fields serde writes for the value, so the document cannot drift.

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Ref, RefBuilder, Schema,
    SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::openapi_values::one_of;
use crate::domain::change::risk::RiskAssessment;
use crate::domain::sla::policy::PriorityTargets;
use crate::domain::sla::report::{ClockStats, GroupStats};
use crate::domain::sla::spec::{IntervalSpec, WeekSpec};
use crate::domain::sla::Target;

/// The schemas collected by a value that names `T`.
type Collected = Vec<(String, RefOr<Schema>)>;

fn object(doc: &str) -> ObjectBuilder {
    ObjectBuilder::new().description(Some(doc))
}

/// An object that refuses fields it does not name (`deny_unknown_fields`).
fn closed(doc: &str) -> ObjectBuilder {
    object(doc).additional_properties(Some(AdditionalProperties::FreeForm(false)))
}

fn text() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn flag(doc: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Boolean).description(Some(doc))
}

/// An unsigned integer of `format` (`u32`: int32, `u64`: int64).
fn count(format: KnownFormat) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).format(Some(SchemaFormat::KnownFormat(format))).minimum(Some(0))
}

/// An `Option<f64>`.
fn maybe_number() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
}

fn described(schema: ObjectBuilder, doc: &str) -> ObjectBuilder {
    schema.description(Some(doc))
}

fn component<T: ToSchema>(into: &mut Collected) {
    into.push((T::name().into_owned(), T::schema()));
    T::schemas(into);
}

/// The fields of `WeekSpec`, one per weekday.
const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// A field of a structure: its name and schema.
type Field = (&'static str, RefOr<Schema>);

fn field(name: &'static str, schema: impl Into<RefOr<Schema>>) -> Field {
    (name, schema.into())
}

/// `object` with its `required` fields (in their order) and `optional` ones.
fn fields(object: ObjectBuilder, required: Vec<Field>, optional: Vec<Field>) -> RefOr<Schema> {
    let object = required.into_iter().fold(object, |o, (name, schema)| o.property(name, schema).required(name));
    optional.into_iter().fold(object, |o, (name, schema)| o.property(name, schema)).into()
}

impl PartialSchema for IntervalSpec {
    fn schema() -> RefOr<Schema> {
        let required = vec![field("start", text()), field("end", described(text(), "After `start` (422 otherwise)."))];
        fields(closed("One working interval in local time, `HH:MM`; `24:00` ends the day."), required, vec![])
    }
}

impl ToSchema for IntervalSpec {}

impl PartialSchema for WeekSpec {
    fn schema() -> RefOr<Schema> {
        let doc =
            "Working intervals per weekday; a missing day has none. A day's intervals\ndo not overlap (422 otherwise).";
        let day = |name| field(name, ArrayBuilder::new().items(Ref::from_schema_name(IntervalSpec::name())));
        fields(closed(doc), vec![], WEEKDAYS.into_iter().map(day).collect())
    }
}

impl ToSchema for WeekSpec {
    fn schemas(into: &mut Collected) {
        component::<IntervalSpec>(into);
    }
}

impl PartialSchema for ClockStats {
    fn schema() -> RefOr<Schema> {
        let whole = || count(KnownFormat::Int64);
        let required = vec![
            field("met", whole()),
            field("breached", whole()),
            field("open", described(whole(), "Still running or paused, not (yet) breached.")),
        ];
        let optional = vec![
            field(
                "compliance_percent",
                described(maybe_number(), "met / (met + breached), in percent; `null` when nothing was decided."),
            ),
            field(
                "mean_seconds",
                described(maybe_number(), "Over stopped clocks: business time (wall time for calendar-hour targets)."),
            ),
            field("median_seconds", maybe_number()),
        ];
        fields(object("The figures of one clock kind over a group."), required, optional)
    }
}

impl ToSchema for ClockStats {}

impl PartialSchema for GroupStats {
    fn schema() -> RefOr<Schema> {
        let clock = |name| field(name, Ref::from_schema_name(ClockStats::name()));
        let required = vec![
            field("key", text()),
            field("tickets", count(KnownFormat::Int64)),
            clock("response"),
            clock("resolution"),
            clock("tier2_resolution"),
        ];
        let rate = |name, doc| field(name, described(maybe_number(), doc));
        let optional = vec![
            rate("escalation_rate_percent", "Share of tickets escalated to tier 2 at least once, in percent."),
            rate("reopen_rate_percent", "Share of tickets reopened at least once, in percent."),
        ];
        fields(object("The figures of one group."), required, optional)
    }
}

impl ToSchema for GroupStats {
    fn schemas(into: &mut Collected) {
        component::<ClockStats>(into);
    }
}

impl PartialSchema for RiskAssessment {
    fn schema() -> RefOr<Schema> {
        let users = "How many users lose or see a different service during the change.";
        let required = vec![
            // A `u32`: beyond int32's range, so int64 with the bound stated.
            field("users_affected", described(count(KnownFormat::Int64).maximum(Some(u32::MAX)), users)),
            field("outage_needed", flag("The service is unavailable during the window.")),
            field("rollback_possible", flag("The change can be undone by its rollback plan.")),
            field("tested", flag("The change was tested before implementation.")),
            field("touches_special", flag("It touches an *aplikasi khusus* or the intra-government network.")),
        ];
        fields(closed("The questions the assessment answers (the analysis phase)."), required, vec![])
    }
}

impl ToSchema for RiskAssessment {}

impl PartialSchema for PriorityTargets {
    fn schema() -> RefOr<Schema> {
        let target = |name, doc: &str| {
            field(name, RefBuilder::new().ref_location_from_schema_name(Target::name()).description(Some(doc)))
        };
        let required = vec![
            target("response", "First response (assignment-and-start, or a public comment)."),
            target("resolution", "Resolution at tier 1 (or overall when tier 2 takes tickets directly)."),
            target("tier2_resolution", "Resolution by tier 2, from the escalation (the OLA)."),
        ];
        fields(closed("The targets of one priority."), required, vec![])
    }
}

impl ToSchema for PriorityTargets {
    fn schemas(into: &mut Collected) {
        component::<Target>(into);
    }
}

/// What a target's unit means, beyond its name.
fn unit_meaning(unit: &str) -> Option<&'static str> {
    match unit {
        "business_days" => Some(
            "Due at the same local time of day on the n-th following working day,\nor, when that is not working \
             time, at the last working moment of\nthat day before it (the close, or the start of a break; before \
             the\nday's opening, the opening). Started before a day's work begins, by\nthe close of the n-th \
             working day.",
        ),
        "calendar_hours" => Some("Wall-clock hours, working time or not."),
        _ => None,
    }
}

impl PartialSchema for Target {
    /// One branch per unit, its value bounded as `Target::within_bounds`
    /// takes it.
    fn schema() -> RefOr<Schema> {
        let branches = Target::UNITS.iter().filter_map(|unit| {
            let max = Target::of_unit(unit, 1)?.max_value();
            let value = count(KnownFormat::Int32).minimum(Some(1)).maximum(Some(max)).description(unit_meaning(unit));
            // Required as serde's derive lists them: content, then tag.
            let branch = ObjectBuilder::new()
                .property("unit", one_of([*unit]))
                .property("value", value)
                .required("value")
                .required("unit")
                .description(unit_meaning(unit));
            Some(branch)
        });
        let doc = "How long a clock may run: `{\"unit\": \"business_minutes\", \"value\": 240}`.";
        branches.fold(OneOfBuilder::new(), OneOfBuilder::item).description(Some(doc)).into()
    }
}

impl ToSchema for Target {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{json, Value};

    use super::*;

    /// The property names of an object schema.
    fn properties(schema: RefOr<Schema>) -> BTreeSet<String> {
        match schema {
            RefOr::T(Schema::Object(object)) => object.properties.into_keys().collect(),
            _ => panic!("not an object schema"),
        }
    }

    /// The fields serde writes for `value`.
    fn fields(value: impl serde::Serialize) -> BTreeSet<String> {
        match serde_json::to_value(value) {
            Ok(Value::Object(map)) => map.into_iter().map(|(k, _)| k).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn each_structure_documents_exactly_the_fields_serde_writes() {
        let interval = IntervalSpec { start: "07:30".into(), end: "16:00".into() };
        assert_eq!(properties(IntervalSpec::schema()), fields(&interval));
        assert_eq!(properties(WeekSpec::schema()), fields(WeekSpec::default()));
        let stats = ClockStats {
            met: 1,
            breached: 0,
            open: 0,
            compliance_percent: None,
            mean_seconds: None,
            median_seconds: None,
        };
        assert_eq!(properties(ClockStats::schema()), fields(&stats));
        let group = GroupStats {
            key: "k".into(),
            tickets: 1,
            response: stats.clone(),
            resolution: stats.clone(),
            tier2_resolution: stats,
            escalation_rate_percent: None,
            reopen_rate_percent: None,
        };
        assert_eq!(properties(GroupStats::schema()), fields(&group));
        let risk = RiskAssessment {
            users_affected: 1,
            outage_needed: false,
            rollback_possible: true,
            tested: true,
            touches_special: false,
        };
        assert_eq!(properties(RiskAssessment::schema()), fields(risk));
        let target = Target::BusinessMinutes(60);
        let targets = PriorityTargets { response: target, resolution: target, tier2_resolution: target };
        assert_eq!(properties(PriorityTargets::schema()), fields(targets));
    }

    #[test]
    fn a_target_has_one_branch_per_unit_as_serde_writes_it() {
        let RefOr::T(Schema::OneOf(target)) = Target::schema() else { panic!("Target is a oneOf") };
        assert_eq!(target.items.len(), Target::UNITS.len());
        for (unit, branch) in Target::UNITS.iter().zip(target.items) {
            let written = Target::of_unit(unit, 3).map(serde_json::to_value);
            assert_eq!(written.and_then(Result::ok), Some(json!({ "unit": unit, "value": 3 })));
            assert_eq!(properties(branch), fields(json!({ "unit": unit, "value": 3 })));
        }
    }
}
