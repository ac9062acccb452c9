//! The text rules of the request bodies, in the document: what
//! `domain::text`, `parse_title`, `parse_long_text`, `EmailAddress`,
//! `NewPassword` and `Code` accept, as patterns and lengths, so generated
//! clients (and fuzzers) send what the server takes. utoipa only takes
//! literal patterns per field; one table here keeps the forty fields in step
//! with the validators instead of forty copies of a regular expression.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use crate::domain::password::NewPassword;
use crate::domain::text::DisplayName;

/// Control, zero-width and direction-changing characters (`text::bounded`).
const NOT_IN_A_LINE: &str = r"\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF";
/// Control characters but tab and line breaks (`parse_long_text`).
const NOT_IN_TEXT: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";
/// Control characters (`char::is_control`).
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
const LONG_TEXT_MAX: usize = 10_000;

/// What one field takes.
#[derive(Clone, Copy)]
enum Text {
    /// One line, not blank, at most this many characters.
    Line(usize),
    /// Free text with line breaks, not blank, up to 10 000 characters.
    Long,
    /// A unit or service code.
    Code,
    Email,
    Password,
    /// Free text that may be empty, at most this many characters.
    Optional(usize),
    /// One line, or nothing: blank is taken as empty (`text::bounded` after
    /// the blank check of, e.g., `PolicyRequest`). Blank is white space but
    /// U+FEFF, which `str::trim` keeps and a line refuses.
    LineOrEmpty(usize),
    /// One line that may be empty, without control characters (a search term).
    Plain(usize),
    /// A local time of day, `HH:MM` (`calendar::Interval`).
    ClockTime,
    /// A phone number (`intake::Phone`).
    Phone,
    /// An article's Markdown body: text with line breaks, not blank, up to
    /// `article::MAX_BODY_CHARS`.
    Markdown,
    /// A webhook's URL: `http(s)://` and a host without credentials; the rest
    /// `WebhookClient::check_reachable` checks.
    Url,
}

use Text::{ClockTime, Code, Email, Long, Optional, Password, Phone, Url};
const NAME: Text = Text::Line(DisplayName::MAX);
const TITLE: Text = Text::Line(200);

/// Request schema, field, rule: each read from the handler's validation.
const RULES: &[(&str, &str, Text)] = &[
    ("CreateTicketRequest", "title", TITLE),
    ("CreateTicketRequest", "description", Long),
    ("CreateTicketRequest", "external_source", Text::Line(50)),
    ("CreateTicketRequest", "external_ref", Text::Line(200)),
    ("CreateTicketRequest", "complaint_ref", Text::Line(100)),
    ("UpdateTicketRequest", "title", TITLE),
    ("UpdateTicketRequest", "description", Long),
    ("UpdateTicketRequest", "complaint_ref", Text::Line(100)),
    ("ReporterContact", "name", NAME),
    ("ReporterContact", "email", Email),
    ("ReporterContact", "phone", Phone),
    ("ErasureRequest", "reporter_email", Email),
    ("CreateCommentRequest", "body", Long),
    ("EscalateRequest", "reason", Long),
    ("EscalateRequest", "steps_taken", Long),
    ("ReturnRequest", "instructions", Long),
    ("ResolveRequest", "resolution", Long),
    ("ReopenRequest", "reason", Long),
    ("RecomputeRequest", "reason", Long),
    ("RateRequest", "remark", Text::Line(1000)),
    ("CreateChangeRequest", "title", TITLE),
    ("CreateChangeRequest", "description", Long),
    ("CreateChangeRequest", "reason", Long),
    ("CreateChangeRequest", "impact_analysis", Long),
    ("CreateChangeRequest", "implementation_plan", Long),
    ("CreateChangeRequest", "test_plan", Long),
    ("CreateChangeRequest", "rollback_plan", Long),
    ("UpdateChangeRequest", "title", TITLE),
    ("UpdateChangeRequest", "description", Long),
    ("UpdateChangeRequest", "reason", Long),
    ("UpdateChangeRequest", "impact_analysis", Long),
    ("UpdateChangeRequest", "implementation_plan", Long),
    ("UpdateChangeRequest", "test_plan", Long),
    ("UpdateChangeRequest", "rollback_plan", Long),
    ("CancelChangeRequest", "reason", Long),
    ("CompleteChangeRequest", "notes", Long),
    ("DinasTestRequest", "notes", Long),
    ("ReviewChangeRequest", "findings", Long),
    ("FollowUpRequest", "action", TITLE),
    ("ScheduleChangeRequest", "override_reason", Long),
    ("RaiseChangeRequest", "reason", Long),
    ("ApprovalRequest", "comment", Optional(4000)),
    ("TemplateRequest", "name", TITLE),
    ("TemplateRequest", "title", TITLE),
    ("TemplateRequest", "description", Long),
    ("TemplateRequest", "implementation_plan", Long),
    ("TemplateRequest", "test_plan", Long),
    ("TemplateRequest", "rollback_plan", Long),
    ("FreezeRequest", "name", TITLE),
    ("FreezeRequest", "reason", Long),
    ("FreezeRequest", "daily_start", ClockTime),
    ("FreezeRequest", "daily_end", ClockTime),
    ("IntervalSpec", "start", ClockTime),
    ("IntervalSpec", "end", ClockTime),
    ("SpecialScheduleSpec", "name", TITLE),
    ("HolidayRequest", "name", TITLE),
    ("HolidayRequest", "source", Text::Line(300)),
    ("CreateServiceRequest", "code", Code),
    ("CreateServiceRequest", "name", NAME),
    ("CreateServiceRequest", "application_name", NAME),
    ("UpdateServiceRequest", "code", Code),
    ("UpdateServiceRequest", "name", NAME),
    ("UpdateServiceRequest", "application_name", NAME),
    ("CreateUnitRequest", "code", Code),
    ("CreateUnitRequest", "name", NAME),
    ("CreateUnitRequest", "mailbox", Email),
    ("UpdateUnitRequest", "code", Code),
    ("UpdateUnitRequest", "name", NAME),
    ("UpdateUnitRequest", "mailbox", Email),
    ("UpdateUnitRequest", "head_name", NAME),
    ("UpdateUnitRequest", "head_email", Email),
    ("CreateUserRequest", "name", NAME),
    ("CreateUserRequest", "email", Email),
    ("CreateUserRequest", "password", Password),
    ("UpdateUserRequest", "name", NAME),
    ("UpdateUserRequest", "email", Email),
    ("UpdateUserRequest", "password", Password),
    ("ChangePasswordRequest", "new_password", Password),
    ("CreateApiKeyRequest", "name", NAME),
    ("CreateWebhookRequest", "url", Url),
    ("UpdateWebhookRequest", "url", Url),
    ("CalendarRequest", "name", NAME),
    ("PolicyRequest", "name", NAME),
    ("PolicyRequest", "description", Text::LineOrEmpty(2000)),
    ("CreateArticleRequest", "title", TITLE),
    ("CreateArticleRequest", "body", Text::Markdown),
    ("UpdateArticleRequest", "title", TITLE),
    ("UpdateArticleRequest", "body", Text::Markdown),
    ("ReturnArticleRequest", "reason", Long),
    ("CreateAssetRequest", "name", NAME),
    ("CreateAssetRequest", "location", Text::LineOrEmpty(200)),
    ("CreateAssetRequest", "custodian", Text::LineOrEmpty(200)),
    ("CreateAssetRequest", "serial_number", Text::Line(100)),
    ("UpdateAssetRequest", "name", NAME),
    ("UpdateAssetRequest", "location", Text::LineOrEmpty(200)),
    ("UpdateAssetRequest", "custodian", Text::LineOrEmpty(200)),
    ("UpdateAssetRequest", "serial_number", Text::Line(100)),
    ("MoveAssetRequest", "reason", Long),
];

/// Lists that must name at least one item (`RoleSet::new`).
const NON_EMPTY_LISTS: &[(&str, &str)] = &[
    ("CreateUserRequest", "roles"),
    ("UpdateUserRequest", "roles"),
    ("CreateApiKeyRequest", "roles"),
    // `create::check_services`: a change touches at least one service.
    ("UpdateChangeRequest", "service_ids"),
];

/// The `Idempotency-Key` header: 1–200 visible ASCII characters.
const IDEMPOTENCY_KEY: &str = "^[!-~]{1,200}$";
/// The `If-Match` header (`etag::precondition`): `*`, or entity-tags,
/// strong or weak, separated by commas, or an empty list. actix-web splits
/// the list at every comma, so a tag holding one is not taken (RFC 9110
/// allows it; ours never hold one).
const IF_MATCH: &str = r#"^(\*|(W/)?"[!#-+\--~]*"( *, *(W/)?"[!#-+\--~]*")*|)$"#;
/// What the document says of `If-Match`, beside its pattern: the rule no
/// pattern can state, that the tag must name the current version.
const IF_MATCH_TEXT: &str = "`*`, or the `ETag` you read: entity-tags, strong or weak, separated by commas. \
    Only a strong tag equal to the resource's current `ETag` matches: a list naming no current version \
    (stale, weak, foreign, or an empty list) is 412, so fetch the resource again; a header holding \
    something but no entity-tag is 400.";
const IDEMPOTENCY_KEY_TEXT: &str = "1–200 visible ASCII characters. A retry with the same key and body gets \
    the record the first request made; the same key with another body is 422. Keys are remembered for \
    `housekeeping.idempotency_key_hours` (24 by default); after that the same key creates anew.";
/// A list's search term (`units::search_text`).
const SEARCH_MAX: usize = 200;
/// What the document says of every list's `cursor`: a rule no schema can
/// state, since a cursor is sealed (`cursor_seal`).
const CURSOR_TEXT: &str = "The `next_cursor` of the page before, as it was given (with the same `sort`); \
    empty asks for the first page. Any other string is 422.";

pub struct TextRules;

impl Modify for TextRules {
    fn modify(&self, openapi: &mut OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for (schema, field, rule) in RULES {
                let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*schema) else {
                    panic!("text rule for unknown schema {schema}");
                };
                let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(*field) else {
                    panic!("text rule for {schema}.{field}, which is not a plain string field");
                };
                apply(property, *rule);
            }
            for (schema, field) in NON_EMPTY_LISTS {
                let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*schema) else {
                    panic!("list rule for unknown schema {schema}");
                };
                let Some(RefOr::T(Schema::Array(list))) = object.properties.get_mut(*field) else {
                    panic!("list rule for {schema}.{field}, which is not a list");
                };
                list.min_items = Some(1);
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                let queries =
                    operation.parameters.iter_mut().flatten().filter(|p| p.parameter_in == ParameterIn::Query);
                for parameter in queries {
                    match parameter.name.as_str() {
                        "q" => {
                            if let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() {
                                apply(schema, Text::Plain(SEARCH_MAX));
                            }
                        }
                        "cursor" => parameter.description = Some(CURSOR_TEXT.to_owned()),
                        _ => {}
                    }
                }
            }
            let operations = [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let headers =
                    operation.parameters.iter_mut().flatten().filter(|p| p.parameter_in == ParameterIn::Header);
                for parameter in headers {
                    let (pattern, text) = match parameter.name.as_str() {
                        "Idempotency-Key" => (IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_TEXT),
                        "If-Match" => (IF_MATCH, IF_MATCH_TEXT),
                        _ => continue,
                    };
                    parameter.description = Some(match parameter.description.take() {
                        Some(own) => format!("{text} {own}"),
                        None => text.to_owned(),
                    });
                    if let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() {
                        // Optional is not nullable: a header is absent, or a string (`null` is four letters).
                        schema.schema_type = SchemaType::Type(Type::String);
                        schema.pattern = Some(pattern.to_owned());
                    }
                }
            }
        }
    }
}

fn apply(property: &mut Object, rule: Text) {
    let (pattern, min, max) = match rule {
        Text::Line(max) => (not_blank(NOT_IN_A_LINE), 1, Some(max)),
        Long => (not_blank(NOT_IN_TEXT), 1, Some(LONG_TEXT_MAX)),
        Text::Markdown => (not_blank(NOT_IN_TEXT), 1, Some(crate::domain::knowledge::article::MAX_BODY_CHARS)),
        Optional(max) => (format!("^[^{NOT_IN_TEXT}]*$"), 0, Some(max)),
        Text::LineOrEmpty(max) => (format!("^[^\\S\\uFEFF]*$|{}", not_blank(NOT_IN_A_LINE)), 0, Some(max)),
        Text::Plain(max) => (format!("^[^{CONTROL}]*$"), 0, Some(max)),
        ClockTime => (CLOCK_TIME.to_owned(), 5, Some(5)),
        Phone => (PHONE.to_owned(), 6, Some(PHONE_MAX)),
        // `Code::parse` upper-cases first, so lower case is taken too.
        Code => ("^[A-Za-z0-9_-]{2,32}$".to_owned(), 2, Some(32)),
        Email => (EMAIL.to_owned(), 3, Some(254)),
        Password => (String::from("^[\\s\\S]*$"), NewPassword::MIN, Some(NewPassword::MAX)),
        Url => (URL.to_owned(), 8, Some(URL_MAX)),
    };
    if matches!(rule, Email) {
        property.format = Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Email));
    }
    property.pattern = Some(pattern);
    property.min_length = Some(min);
    property.max_length = max;
}

/// `Phone::parse`: digits and ` +-().`, 6 to 20 digits (it trims first).
const PHONE: &str = r"^[ +().-]*([0-9][ +().-]*){6,20}$";
/// A phone number's length: its 20 digits and as many separators.
const PHONE_MAX: usize = 60;

/// `webhook::check_url`: `http(s)://`, a host, no credentials; whether the
/// host may be reached is the description's (422).
const URL: &str = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\s]+([/?#]\S*)?$";
const URL_MAX: usize = 2000;

/// `HH:MM` as `calendar::Interval` reads it; `24:00` ends a day.
const CLOCK_TIME: &str = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";

/// Text of allowed characters with at least one that is not a space.
fn not_blank(forbidden: &str) -> String {
    format!("^[^{forbidden}]*[^\\s{forbidden}][^{forbidden}]*$")
}

/// `EmailAddress::parse`: dot-separated atoms, `@`, two or more labels of
/// letters, digits and inner hyphens.
const EMAIL: &str = concat!(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::email::EmailAddress;
    use crate::domain::text::{bounded, Code as CodeValue};
    use crate::domain::ticket::intake::{parse_long_text, Phone};

    fn matches(pattern: &str, text: &str) -> bool {
        // The document's patterns are ECMA-262; `\uXXXX` is spelled for Rust's engine here.
        let rust = regex_syntax_of(pattern);
        regex::Regex::new(&rust).unwrap_or_else(|e| panic!("{pattern}: {e}")).is_match(text)
    }

    fn regex_syntax_of(pattern: &str) -> String {
        let mut out = String::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' && chars.peek() == Some(&'u') {
                chars.next();
                let hex: String = chars.by_ref().take(4).collect();
                out.push_str(&format!("\\x{{{hex}}}"));
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn the_documented_patterns_agree_with_the_validators() {
        let line = not_blank(NOT_IN_A_LINE);
        let long = not_blank(NOT_IN_TEXT);
        for text in ["Printer rusak", " x ", "نظام", "a\u{202E}b", "a\u{200B}", "a\u{7}b", "   ", "", "a\nb", "\t"]
        {
            assert_eq!(matches(&line, text), bounded(text, 200).is_ok(), "line {text:?}");
            assert_eq!(matches(&long, text), parse_long_text(text).is_ok(), "long {text:?}");
        }
        for code in ["BAPPEDA", "dinkes", "A", "SIAK-2", "BAD CODE", "X_1"] {
            let documented = matches("^[A-Za-z0-9_-]{2,32}$", code);
            assert_eq!(documented, CodeValue::parse(code).is_ok(), "code {code:?}");
        }
        for email in ["a@b.go.id", "nama.pd@majenekab.go.id", "a..b@c.id", "a@b", "a@-b.id", "@b.id", "a@b.c-"] {
            assert_eq!(matches(EMAIL, email), EmailAddress::parse(email).is_ok(), "email {email:?}");
        }
        assert!(matches(IDEMPOTENCY_KEY, "create-42") && !matches(IDEMPOTENCY_KEY, "a b"));
        let search = format!("^[^{CONTROL}]*$");
        for term in ["printer", "", "Dinas Kominfo", "a\tb", "a\u{85}b", "نظام"] {
            let taken = crate::api::units::search_text(Some(term.to_owned())).is_ok();
            assert_eq!(matches(&search, term), taken, "q {term:?}");
        }
        for phone in ["+62 812-3456-7890", "(0422) 21234", "12345", "123456", "1".repeat(21).as_str(), "0812x345678"] {
            assert_eq!(matches(PHONE, phone), Phone::parse(phone).is_ok(), "phone {phone:?}");
        }
        let urls =
            ["https://desk.example.go.id/hook?x=1", "HTTP://example.com:8080/a#b", "https://user:pw@example.com/"];
        for url in urls.into_iter().chain(["ftp://example.com", "https://", "https://a b"]) {
            // What the pattern admits the server takes, but for the address it resolves to.
            let taken = crate::notify::webhook::check_url(url, true, &[]).is_ok();
            assert_eq!(matches(URL, url), taken, "url {url:?}");
        }
        for hour in 0..=25 {
            for minute in [0, 1, 30, 59, 60] {
                let time = format!("{hour:02}:{minute:02}");
                let taken = crate::domain::sla::calendar::Interval::parse("00:00", &time).is_ok() || time == "00:00";
                assert_eq!(matches(CLOCK_TIME, &time), taken, "clock time {time:?}");
            }
        }
        let headers = ["*", "\"3\"", "W/\"3\"", "\"1\", \"2\"", "\"1\",W/\"x\"", "3", "\"3", "W/3", "", "**", "null"];
        // actix-web splits at every comma, so a tag holding one is not a tag.
        let with_commas = ["\"a,b\"", "W/\",\""];
        for header in headers.into_iter().chain(with_commas) {
            let request = actix_web::test::TestRequest::default().insert_header(("If-Match", header)).to_http_request();
            let taken = crate::api::etag::precondition(&request).is_ok();
            assert_eq!(matches(IF_MATCH, header), taken, "If-Match {header:?}");
        }
    }
}
