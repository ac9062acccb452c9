//! The demo's knowledge articles (`seed/knowledge/articles.md`, the
//! collection search quality is measured on): written and published by the
//! Dinas's tier-2 engineer through the journal, as through the API. An
//! article whose title exists is left alone.

use chrono::Utc;

use crate::config::KnowledgeSettings;
use crate::db::knowledge::write::{self, ArticleRequest, NewArticle};
use crate::db::{knowledge, services, units, users, DbConnection};
use crate::domain::journal::Context;
use crate::domain::knowledge::access::Publishers;
use crate::domain::knowledge::corpus::{parse_articles, SeedArticle};
use crate::domain::knowledge::ArticleMove;
use crate::domain::organisation::UnitKind;
use crate::domain::policy::{Actor, Principal};
use crate::domain::role::RoleSet;
use crate::domain::version::Precondition;

/// The kept collection.
pub const ARTICLES: &str = include_str!("../../../seed/knowledge/articles.md");
/// Who writes and publishes the demo's articles.
const AUTHOR: &str = "tier2.irfan";

/// The demo's writer of articles (also of generated ones).
pub(crate) fn author(conn: &mut DbConnection) -> Result<Principal, String> {
    let email = format!("{AUTHOR}@{}", super::region::DOMAIN);
    let (user, _) = users::find_for_login(conn, &email)
        .map_err(|e| e.to_string())?
        .ok_or(format!("seed user {email} is missing"))?;
    let unit = units::find(conn, user.unit_id).map_err(|e| e.to_string())?;
    Ok(Principal {
        actor: Actor::User(user.id),
        unit_id: unit.id,
        unit_kind: UnitKind::Dinas,
        roles: RoleSet::new(user.roles).map_err(|e| e.to_string())?,
    })
}

fn publish(conn: &mut DbConnection, principal: &Principal, entry: &SeedArticle) -> Result<(), String> {
    let service = services::find_by_code(conn, &entry.service)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("seed service {} is missing", entry.service))?;
    let new = NewArticle {
        service_id: service.id,
        owner_unit_id: principal.unit_id,
        kind: entry.kind,
        audience: entry.audience,
        title: entry.title.clone(),
        body: entry.body.clone(),
        keywords: entry.keywords.clone(),
    };
    let ctx = Context::new(Some(principal.actor), None, Utc::now());
    let article = write::create(conn, &ctx, principal.actor.id(), &new, None).map_err(|e| e.to_string())?;
    let request = ArticleRequest {
        principal: principal.clone(),
        article_id: article.id,
        precondition: Precondition::None,
        publishers: Publishers::Dinas,
        review_period_days: KnowledgeSettings::default().review_period_days,
    };
    write::move_article(conn, &ctx, &request, ArticleMove::Publish, None).map_err(|e| e.to_string())?;
    Ok(())
}

/// Publishes the demo's articles that are not there yet.
pub fn ensure_articles(conn: &mut DbConnection) -> Result<(), String> {
    let principal = author(conn)?;
    let entries = parse_articles(ARTICLES).map_err(|e| format!("seed/knowledge/articles.md: {e}"))?;
    let mut added = 0;
    for entry in &entries {
        if knowledge::exists_titled(conn, &entry.title).map_err(|e| e.to_string())? {
            continue;
        }
        publish(conn, &principal, entry)?;
        added += 1;
    }
    if added > 0 {
        println!("articles {added} published");
    }
    Ok(())
}
