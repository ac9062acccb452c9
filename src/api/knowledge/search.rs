//! Search over the articles a caller may read, and suggestions at intake.

use actix_web::{web, HttpResponse};

use super::types::{SearchQuery, SearchResults, SuggestQuery};
use crate::auth::Authenticated;
use crate::config::KnowledgeSettings;
use crate::db::knowledge::search::{search, SearchScope};
use crate::domain::knowledge::access::ArticleVisibility;
use crate::domain::knowledge::search::Query;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Hits of one search.
const SEARCH_HITS: usize = 20;
/// Suggestions shown before a ticket is filed.
const SUGGESTIONS: usize = 5;

fn text(field: &str, raw: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(ApiError::invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(trimmed.to_owned())
}

/// A search's request read into the query and scope the store takes (the
/// load harness's raw column reads it so too).
pub fn search_of(query: &SearchQuery, settings: &KnowledgeSettings) -> Result<(Query, SearchScope), ApiError> {
    let q = text("q", &query.q, 200)?;
    // As every list's `q` (the document's pattern): no control characters.
    if q.chars().any(char::is_control) {
        return Err(ApiError::invalid("q", "must not contain control characters"));
    }
    let parsed = Query::parse(&q, &settings.synonyms());
    let scope = SearchScope {
        published_only: query.published.unwrap_or(false),
        service_id: query.service_id,
        boost_service: None,
        top: SEARCH_HITS,
    };
    Ok((parsed, scope))
}

/// A suggestion's request read into the query and scope the store takes.
pub fn suggest_of(query: &SuggestQuery, settings: &KnowledgeSettings) -> Result<(Query, SearchScope), ApiError> {
    let written = text("text", &query.text, 2000)?;
    let parsed = Query::parse(&written, &settings.synonyms());
    let scope =
        SearchScope { published_only: true, service_id: None, boost_service: query.service_id, top: SUGGESTIONS };
    Ok((parsed, scope))
}

/// Ranked search (BM25) over titles, bodies and keywords of the articles the
/// caller may read, in Bahasa Indonesia: affixed forms, synonyms and
/// misspellings find their words; snippets mark what matched.
#[utoipa::path(get, path = "/api/v1/knowledge/search", tag = "knowledge", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn search_articles(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let (parsed, scope) = search_of(&query, &state.settings.knowledge)?;
    let visibility = ArticleVisibility::of(&auth.principal);
    let hits = state.db.run(move |conn| search(conn, &visibility, parsed, &scope)).await?;
    Ok(HttpResponse::Ok().json(SearchResults { items: hits.into_iter().map(Into::into).collect() }))
}

/// The best few published articles the caller may read for what a reporter
/// is writing, for a front end to show before the ticket is filed; the
/// service's own articles rank first.
#[utoipa::path(get, path = "/api/v1/knowledge/suggest", tag = "knowledge", params(SuggestQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn suggest_articles(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let (parsed, scope) = suggest_of(&query, &state.settings.knowledge)?;
    let visibility = ArticleVisibility::of(&auth.principal);
    let hits = state.db.run(move |conn| search(conn, &visibility, parsed, &scope)).await?;
    Ok(HttpResponse::Ok().json(SearchResults { items: hits.into_iter().map(Into::into).collect() }))
}
