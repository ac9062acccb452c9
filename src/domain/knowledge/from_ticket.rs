//! Knowledge captured while solving (KCS): the draft a resolved ticket
//! proposes, and who links articles to a ticket.

use super::article::{ArticleAudience, ArticleKind, MAX_BODY_CHARS};
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::Role;
use crate::domain::ticket::access::{works_queue, TicketFacts};

/// At most this many articles are linked in one call.
pub const MAX_LINKS: usize = 20;

/// What a ticket offers a draft: its subject, its symptom, its cause (if
/// it names one) and how it was solved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketText<'a> {
    pub subject: &'a str,
    pub description: &'a str,
    pub cause: Option<&'a str>,
    pub resolution: Option<&'a str>,
}

/// The draft's kind, audience and Markdown body. Drafts from tickets are
/// for the desks until a reviewer widens them: a ticket's words may hold
/// what reporters should not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedDraft {
    pub kind: ArticleKind,
    pub audience: ArticleAudience,
    pub title: String,
    pub body: String,
}

fn section(body: &mut String, heading: &str, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if !body.is_empty() {
        body.push_str("\n\n");
    }
    body.push_str("## ");
    body.push_str(heading);
    body.push_str("\n\n");
    body.push_str(text);
}

/// The draft a ticket proposes: *Gejala* (the symptom, from the
/// description), *Penyebab* (the cause, when there is one) and
/// *Penyelesaian* (the resolution; for a known error, its workaround).
/// The body is cut to [`MAX_BODY_CHARS`], which a ticket's texts together
/// may exceed; the writer edits the draft anyway.
pub fn propose(ticket: &TicketText<'_>, kind: ArticleKind) -> ProposedDraft {
    let mut body = String::new();
    section(&mut body, "Gejala", ticket.description);
    section(&mut body, "Penyebab", ticket.cause.unwrap_or_default());
    let solved = if kind == ArticleKind::KnownError { "Penyelesaian sementara" } else { "Penyelesaian" };
    section(&mut body, solved, ticket.resolution.unwrap_or_default());
    if body.chars().count() > MAX_BODY_CHARS {
        body = body.chars().take(MAX_BODY_CHARS).collect();
    }
    ProposedDraft { kind, audience: ArticleAudience::Desks, title: ticket.subject.trim().to_owned(), body }
}

/// Who links articles to a ticket: a person of the desk that works it or
/// worked it (its unit's tier 1, tier 2 once involved, supervisors). A
/// link names who made it, and a service account is nobody.
pub fn may_link(principal: &Principal, ticket: &TicketFacts) -> bool {
    matches!(principal.actor, Actor::User(_))
        && (works_queue(principal, ticket)
            || (principal.has(Role::Tier1Technician) && principal.unit_id == ticket.unit_id)
            || (principal.has(Role::Tier2Engineer) && ticket.tier2_involved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_has_the_symptom_the_cause_and_the_resolution() {
        let ticket = TicketText {
            subject: " Tidak bisa masuk SIMPEG ",
            description: "Muncul pesan sandi salah.",
            cause: None,
            resolution: Some("Sandi diatur ulang."),
        };
        let draft = propose(&ticket, ArticleKind::Solution);
        assert_eq!(draft.title, "Tidak bisa masuk SIMPEG");
        assert_eq!(draft.body, "## Gejala\n\nMuncul pesan sandi salah.\n\n## Penyelesaian\n\nSandi diatur ulang.");
        assert_eq!(draft.audience, ArticleAudience::Desks);
        let with_cause =
            propose(&TicketText { cause: Some("Akun terkunci"), ..ticket.clone() }, ArticleKind::KnownError);
        assert!(with_cause.body.contains("## Penyebab\n\nAkun terkunci\n\n## Penyelesaian sementara"));
    }

    #[test]
    fn a_long_ticket_is_cut_to_an_article_body() {
        let long = "a".repeat(MAX_BODY_CHARS);
        let ticket = TicketText { subject: "x", description: &long, cause: None, resolution: Some("b") };
        assert_eq!(propose(&ticket, ArticleKind::Solution).body.chars().count(), MAX_BODY_CHARS);
    }
}
