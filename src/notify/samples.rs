//! Every template the service renders, each with a sample context that
//! sets every variable: what the templates are checked against when they
//! load (`Notifier::new`), so a broken one stops the start.

use chrono::DateTime;
use chrono_tz::Tz;
use serde_json::Value;

use super::change_fanout::{sample_change_context, CHANGE_TEMPLATE};
use super::context::{sample_ticket_context, subscription_context, Addressee};
use super::knowledge_fanout::{sample_flag_context, FLAGGED_TEMPLATE, REVIEW_DUE_TEMPLATE};
use super::templates::WEBHOOK_DISABLED;
use crate::domain::notice::rules::Rule;

/// The templates the rules name (and the subscription notice), each with
/// the sample context it is checked against.
pub fn needed_templates(rules: &[Rule]) -> Vec<(String, Value)> {
    let mut names: Vec<String> = rules.iter().map(|rule| rule.template.clone()).collect();
    names.sort();
    names.dedup();
    let ticket = sample_ticket_context();
    let mut needed: Vec<(String, Value)> = names.into_iter().map(|name| (name, ticket.clone())).collect();
    let to = Addressee { name: "Admin", address: "admin@example.go.id", zone: Tz::Asia__Jakarta };
    let at = DateTime::from_timestamp(1_775_440_800, 0).unwrap_or_default();
    needed.push((WEBHOOK_DISABLED.to_owned(), subscription_context("https://x.example/h", "dead", &to, at)));
    needed.push((CHANGE_TEMPLATE.to_owned(), sample_change_context()));
    needed.push((FLAGGED_TEMPLATE.to_owned(), sample_flag_context()));
    needed.push((REVIEW_DUE_TEMPLATE.to_owned(), sample_flag_context()));
    needed
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::notify::templates::Templates;

    #[test]
    fn a_missing_folder_falls_back_to_the_built_in_templates() {
        let needed = needed_templates(&crate::domain::notice::rules::defaults());
        let templates = Templates::load(Path::new("/nonexistent/templates"), &needed).unwrap_or_else(|e| panic!("{e}"));
        let rendered = templates.render("ticket_escalated", &needed[0].1).unwrap_or_else(|e| panic!("{e}"));
        assert!(rendered.text.starts_with("Yth. Tim Layanan,"), "{}", rendered.text);
        assert!(rendered.text.contains("pukul 10.00 WITA"), "{}", rendered.text);
    }

    #[test]
    fn the_shipped_templates_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/templates");
        let needed = needed_templates(&crate::domain::notice::rules::defaults());
        Templates::load(&dir, &needed).unwrap_or_else(|e| panic!("{e}"));
    }
}
