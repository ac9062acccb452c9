//! Who reads an article and who writes, reviews and publishes it.
//!
//! Readers: a published article reaches its audience (everyone; the desks:
//! tier 1 and the Dinas's staff; the Dinas: members of the Dinas). Before
//! and after publication it is seen by its author and its unit's tier 1,
//! always within its audience. The Dinas's reviewers (tier 2, supervisors)
//! and auditors see every article.
//!
//! Writers: tier 1, tier 2 and supervisors, in person. Reviewers, who
//! publish, return and retire: the Dinas's tier 2 and supervisors, and,
//! when the region lets them ([`Publishers::DinasAndOwnerDesks`]), a PD's
//! tier 1 for the articles its unit owns about the services it owns.

use uuid::Uuid;

use super::article::{ArticleAudience, ArticleStatus};
use super::workflow::ArticleMove;
use crate::domain::organisation::UnitKind;
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::Role;

/// Who reviews and publishes articles (the `knowledge.publishers` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Publishers {
    /// The Dinas alone.
    #[default]
    Dinas,
    /// The Dinas, and a PD's tier 1 for its own services.
    DinasAndOwnerDesks,
}

/// Which articles a caller reads; the store turns it into a `WHERE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleVisibility {
    /// Every article, whatever its status and audience.
    pub all: bool,
    /// The audiences the caller belongs to.
    pub audiences: Vec<ArticleAudience>,
    /// The caller as an author (a person).
    pub author: Option<Uuid>,
    /// The unit whose tier-1 desk the caller works.
    pub desk_of: Option<Uuid>,
}

fn dinas_reviewer(principal: &Principal) -> bool {
    principal.unit_kind == UnitKind::Dinas && (principal.has(Role::Tier2Engineer) || principal.has(Role::Supervisor))
}

fn desk(principal: &Principal) -> bool {
    [Role::Tier1Technician, Role::Tier2Engineer, Role::Supervisor, Role::Admin, Role::Auditor]
        .iter()
        .any(|role| principal.has(*role))
}

impl ArticleVisibility {
    pub fn of(principal: &Principal) -> Self {
        let mut audiences = vec![ArticleAudience::Everyone];
        if desk(principal) {
            audiences.push(ArticleAudience::Desks);
        }
        if principal.unit_kind == UnitKind::Dinas {
            audiences.push(ArticleAudience::Dinas);
        }
        let author = match principal.actor {
            Actor::User(id) => Some(id),
            Actor::ApiKey(_) => None,
        };
        Self {
            all: dinas_reviewer(principal) || principal.has(Role::Auditor),
            audiences,
            author,
            desk_of: principal.has(Role::Tier1Technician).then_some(principal.unit_id),
        }
    }

    /// Whether the caller reads how often articles solved tickets: the
    /// desks and reviewers do, reporters do not (a count is the desk's
    /// measure of its work, not advice to a reader).
    pub fn reads_link_counts(&self) -> bool {
        self.all || self.audiences.contains(&ArticleAudience::Desks)
    }

    /// Whether an article with these facts is visible (the store's `WHERE`
    /// says the same; this serves decisions made after reading).
    pub fn sees(&self, facts: &ArticleFacts) -> bool {
        self.all
            || (self.audiences.contains(&facts.audience)
                && (facts.status == ArticleStatus::Published
                    || self.author == Some(facts.author_id)
                    || self.desk_of == Some(facts.owner_unit_id)))
    }
}

/// What access decisions need to know about an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFacts {
    pub author_id: Uuid,
    pub owner_unit_id: Uuid,
    /// The unit that owns the article's Layanan SPBE.
    pub service_owner_unit_id: Uuid,
    pub audience: ArticleAudience,
    pub status: ArticleStatus,
}

/// The things done to articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnowledgeAction {
    /// Write a new draft.
    Write,
    /// Edit a draft, submit it, revise a published article.
    Edit,
    /// Publish, return, retire.
    Review,
}

/// Articles are written, reviewed and published by people: a service
/// account's key does none of it, whatever roles it holds.
pub fn is_person(principal: &Principal) -> bool {
    matches!(principal.actor, Actor::User(_))
}

/// Whether the caller may do `action` (on the article `facts` describe).
pub fn may(
    principal: &Principal,
    action: KnowledgeAction,
    facts: Option<&ArticleFacts>,
    publishers: Publishers,
) -> bool {
    let own_desk = |f: &ArticleFacts| principal.has(Role::Tier1Technician) && f.owner_unit_id == principal.unit_id;
    is_person(principal)
        && match action {
            KnowledgeAction::Write => {
                [Role::Tier1Technician, Role::Tier2Engineer, Role::Supervisor].iter().any(|r| principal.has(*r))
            }
            KnowledgeAction::Edit => facts.is_some_and(|f| {
                principal.actor == Actor::User(f.author_id) || own_desk(f) || dinas_reviewer(principal)
            }),
            KnowledgeAction::Review => {
                dinas_reviewer(principal)
                    || (publishers == Publishers::DinasAndOwnerDesks
                        && facts.is_some_and(|f| own_desk(f) && f.service_owner_unit_id == principal.unit_id))
            }
        }
}

/// The right each move needs.
pub fn right_of(article_move: ArticleMove) -> KnowledgeAction {
    match article_move {
        ArticleMove::Submit | ArticleMove::Revise => KnowledgeAction::Edit,
        ArticleMove::Return | ArticleMove::Publish | ArticleMove::Retire => KnowledgeAction::Review,
    }
}

/// Whether the caller may give an article `audience` and `owner_unit`: the
/// Dinas's audience is the Dinas's to choose, and a PD writes for itself.
pub fn may_place(principal: &Principal, audience: ArticleAudience, owner_unit: Uuid) -> Result<(), &'static str> {
    if audience == ArticleAudience::Dinas && principal.unit_kind != UnitKind::Dinas {
        return Err("only the Dinas writes for the Dinas's audience");
    }
    if owner_unit != principal.unit_id && principal.unit_kind != UnitKind::Dinas {
        return Err("a Perangkat Daerah writes articles for itself");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::RoleSet;

    fn person(unit: Uuid, kind: UnitKind, roles: &[Role]) -> Principal {
        Principal {
            actor: Actor::User(Uuid::now_v7()),
            unit_id: unit,
            unit_kind: kind,
            roles: RoleSet::new(roles.iter().copied()).unwrap_or_else(|e| panic!("{e}")),
        }
    }

    fn facts(owner: Uuid, audience: ArticleAudience, status: ArticleStatus) -> ArticleFacts {
        ArticleFacts { author_id: Uuid::now_v7(), owner_unit_id: owner, service_owner_unit_id: owner, audience, status }
    }

    #[test]
    fn readers_see_their_audiences_published_and_desks_their_units_drafts() {
        let (pd, other, dinas) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let reporter = ArticleVisibility::of(&person(pd, UnitKind::PerangkatDaerah, &[Role::Reporter]));
        let tier1 = ArticleVisibility::of(&person(pd, UnitKind::PerangkatDaerah, &[Role::Tier1Technician]));
        let tier2 = ArticleVisibility::of(&person(dinas, UnitKind::Dinas, &[Role::Tier2Engineer]));
        use ArticleAudience as A;
        use ArticleStatus as S;
        assert!(reporter.sees(&facts(pd, A::Everyone, S::Published)));
        assert!(!reporter.sees(&facts(pd, A::Desks, S::Published)));
        assert!(!reporter.sees(&facts(pd, A::Everyone, S::Draft)));
        assert!(tier1.sees(&facts(other, A::Desks, S::Published)));
        assert!(tier1.sees(&facts(pd, A::Everyone, S::Draft)));
        assert!(!tier1.sees(&facts(other, A::Everyone, S::Draft)));
        assert!(!tier1.sees(&facts(pd, A::Dinas, S::Published)), "Dinas-only stays in the Dinas");
        assert!(tier2.sees(&facts(other, A::Dinas, S::Draft)));
        assert!(tier1.reads_link_counts() && tier2.reads_link_counts() && !reporter.reads_link_counts());
    }

    #[test]
    fn writers_edit_their_own_and_the_dinas_reviews_unless_owner_desks_may() {
        let (pd, other, dinas) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let tier1 = person(pd, UnitKind::PerangkatDaerah, &[Role::Tier1Technician]);
        let reporter = person(pd, UnitKind::PerangkatDaerah, &[Role::Reporter]);
        let tier2 = person(dinas, UnitKind::Dinas, &[Role::Tier2Engineer]);
        let own = facts(pd, ArticleAudience::Everyone, ArticleStatus::Draft);
        let foreign = facts(other, ArticleAudience::Everyone, ArticleStatus::Draft);
        let p = Publishers::Dinas;
        assert!(may(&tier1, KnowledgeAction::Write, None, p) && !may(&reporter, KnowledgeAction::Write, None, p));
        assert!(may(&tier1, KnowledgeAction::Edit, Some(&own), p));
        assert!(!may(&tier1, KnowledgeAction::Edit, Some(&foreign), p));
        assert!(!may(&tier1, KnowledgeAction::Review, Some(&own), p));
        assert!(may(&tier2, KnowledgeAction::Review, Some(&foreign), p));
        let d = Publishers::DinasAndOwnerDesks;
        assert!(may(&tier1, KnowledgeAction::Review, Some(&own), d));
        assert!(!may(&tier1, KnowledgeAction::Review, Some(&foreign), d));
        let key = Principal { actor: Actor::ApiKey(Uuid::now_v7()), ..tier2 };
        assert!(!may(&key, KnowledgeAction::Review, Some(&own), p), "a key publishes nothing");
    }

    #[test]
    fn the_dinas_audience_and_other_units_are_the_dinas_to_choose() {
        let (pd, dinas) = (Uuid::now_v7(), Uuid::now_v7());
        let tier1 = person(pd, UnitKind::PerangkatDaerah, &[Role::Tier1Technician]);
        assert!(may_place(&tier1, ArticleAudience::Dinas, pd).is_err());
        assert!(may_place(&tier1, ArticleAudience::Desks, dinas).is_err());
        assert!(may_place(&tier1, ArticleAudience::Desks, pd).is_ok());
        let tier2 = person(dinas, UnitKind::Dinas, &[Role::Tier2Engineer]);
        assert!(may_place(&tier2, ArticleAudience::Dinas, pd).is_ok());
    }
}
