//! HTTP layer: thin handlers per resource, their request and response
//! types, and the route table.

pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod audit_chain;
pub mod audit_state;
pub mod auth;
pub mod body_deadline;
pub mod calendar_due;
pub mod calendars;
pub mod changes;
pub mod etag;
pub mod extract;
pub mod headers;
pub mod health;
pub mod idempotency;
pub mod knowledge;
pub mod notifications;
pub mod openapi;
mod openapi_domain;
mod openapi_enums;
mod openapi_errors;
mod openapi_links;
mod openapi_text;
pub(crate) mod openapi_values;
pub mod own_password;
pub mod pagination;
pub mod privacy;
pub mod reports;
pub mod services;
pub mod sla_policies;
pub mod tickets;
pub mod units;
pub mod upload;
pub mod users;
pub mod webhooks;

use actix_web::{web, Resource};

/// A resource whose unsupported methods answer 405 in problem+json with
/// the `Allow` header listing `allow` (RFC 9110, 15.5.6).
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move |req| extract::wrong_method(req, allow)))
}

/// Registers every route. Each one must also be listed in `openapi::ApiDoc`
/// (a test checks every documented operation is routed).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/health/live", "GET").route(web::get().to(health::live)))
        .service(resource("/health/ready", "GET").route(web::get().to(health::ready)))
        .service(resource("/metrics", "GET").route(web::get().to(health::metrics)))
        .service(
            web::scope("/api/v1")
                .service(resource("/openapi.json", "GET").route(web::get().to(openapi::openapi_json)))
                .service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
                .service(resource("/auth/refresh", "POST").route(web::post().to(auth::refresh)))
                .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
                .service(resource("/me", "GET").route(web::get().to(auth::me)))
                .service(resource("/me/password", "POST").route(web::post().to(own_password::change_own_password)))
                .service(
                    resource("/units", "GET, POST")
                        .route(web::get().to(units::list_units))
                        .route(web::post().to(units::create_unit)),
                )
                .service(
                    resource("/units/{id}", "GET, PATCH")
                        .route(web::get().to(units::get_unit))
                        .route(web::patch().to(units::update_unit)),
                )
                .service(
                    resource("/users", "GET, POST")
                        .route(web::get().to(users::list_users))
                        .route(web::post().to(users::create_user)),
                )
                .service(
                    resource("/users/{id}", "GET, PATCH")
                        .route(web::get().to(users::get_user))
                        .route(web::patch().to(users::update_user)),
                )
                .service(
                    resource("/api-keys", "GET, POST")
                        .route(web::get().to(api_keys::list_api_keys))
                        .route(web::post().to(api_keys::create_api_key)),
                )
                .service(resource("/api-keys/{id}", "GET").route(web::get().to(api_keys::get_api_key)))
                .service(resource("/api-keys/{id}/revoke", "POST").route(web::post().to(api_keys::revoke_api_key)))
                .service(
                    resource("/services", "GET, POST")
                        .route(web::get().to(services::list_services))
                        .route(web::post().to(services::create_service)),
                )
                .service(
                    resource("/services/{id}", "GET, PATCH")
                        .route(web::get().to(services::get_service))
                        .route(web::patch().to(services::update_service)),
                )
                .configure(ticket_routes)
                .configure(calendar_routes)
                .service(resource("/audit", "GET").route(web::get().to(audit::list_audit)))
                .service(resource("/audit/verify", "GET").route(web::get().to(audit_chain::verify_audit)))
                .service(resource("/audit/verify/state", "GET").route(web::get().to(audit_state::verify_audit_state)))
                .service(
                    resource("/audit/checkpoints", "GET, POST")
                        .route(web::get().to(audit_chain::list_checkpoints))
                        .route(web::post().to(audit_chain::create_checkpoint)),
                )
                .service(resource("/audit/export", "GET").route(web::get().to(audit_chain::export_audit)))
                .service(resource("/privacy/erasures", "POST").route(web::post().to(privacy::erase_personal_data)))
                .configure(notice_routes)
                .configure(change_routes)
                .configure(knowledge_routes)
                .configure(asset_routes),
        );
}

/// The register of TIK assets, their life cycle, relations and impact.
fn asset_routes(cfg: &mut web::ServiceConfig) {
    use assets::graph as g;
    cfg.service(
        resource("/assets", "GET, POST")
            .route(web::get().to(assets::list_assets))
            .route(web::post().to(assets::create_asset)),
    )
    .service(
        resource("/assets/{id}", "GET, PATCH")
            .route(web::get().to(assets::get_asset))
            .route(web::patch().to(assets::update_asset)),
    )
    .service(resource("/assets/{id}/status", "POST").route(web::post().to(g::move_asset)))
    .service(resource("/assets/{id}/history", "GET").route(web::get().to(g::asset_history)))
    .service(
        resource("/assets/{id}/relations", "GET, POST")
            .route(web::get().to(g::list_relations))
            .route(web::post().to(g::add_relation)),
    )
    .service(
        resource("/assets/{id}/relations/{kind}/{to_asset_id}", "DELETE").route(web::delete().to(g::remove_relation)),
    )
    .service(resource("/assets/{id}/impact", "GET").route(web::get().to(g::asset_impact)));
}

/// Knowledge articles, their moves and versions, search and suggestions.
fn knowledge_routes(cfg: &mut web::ServiceConfig) {
    use knowledge::{attachments as a, feedback as f, moves as m, search as s};
    cfg.service(
        resource("/knowledge/articles", "GET, POST")
            .route(web::get().to(knowledge::list_articles))
            .route(web::post().to(knowledge::create_article)),
    )
    .service(
        resource("/knowledge/articles/{id}", "GET, PATCH")
            .route(web::get().to(knowledge::get_article))
            .route(web::patch().to(knowledge::update_article)),
    )
    .service(resource("/knowledge/articles/{id}/submit", "POST").route(web::post().to(m::submit_article)))
    .service(resource("/knowledge/articles/{id}/return", "POST").route(web::post().to(m::return_article)))
    .service(resource("/knowledge/articles/{id}/publish", "POST").route(web::post().to(m::publish_article)))
    .service(resource("/knowledge/articles/{id}/revise", "POST").route(web::post().to(m::revise_article)))
    .service(resource("/knowledge/articles/{id}/retire", "POST").route(web::post().to(m::retire_article)))
    .service(resource("/knowledge/articles/{id}/reviewed", "POST").route(web::post().to(m::confirm_review)))
    .service(resource("/knowledge/articles/{id}/versions", "GET").route(web::get().to(m::list_article_versions)))
    .service(resource("/knowledge/articles/{id}/versions/{number}", "GET").route(web::get().to(m::get_article_version)))
    .service(
        resource("/knowledge/articles/{id}/attachments", "GET, POST")
            .route(web::get().to(a::list_article_attachments))
            .route(web::post().to(a::upload_article_attachment)),
    )
    .service(
        resource("/knowledge/articles/{id}/attachments/{attachment_id}", "GET, DELETE")
            .route(web::get().to(a::download_article_attachment))
            .route(web::delete().to(a::remove_article_attachment)),
    )
    .service(resource("/knowledge/articles/{id}/ratings", "POST").route(web::post().to(f::rate_article)))
    .service(
        resource("/knowledge/articles/{id}/flags", "GET, POST")
            .route(web::get().to(f::list_flags))
            .route(web::post().to(f::flag_article)),
    )
    .service(resource("/knowledge/articles/{id}/flags/{flag_id}/close", "POST").route(web::post().to(f::close_flag)))
    .service(resource("/knowledge/search", "GET").route(web::get().to(s::search_articles)))
    .service(resource("/knowledge/suggest", "GET").route(web::get().to(s::suggest_articles)));
}

/// Change records, their moves and approvals, templates and freeze windows.
fn change_routes(cfg: &mut web::ServiceConfig) {
    use changes::{actions as a, admin, approvals as ap, schedule as sc};
    cfg.service(
        resource("/changes", "GET, POST")
            .route(web::get().to(changes::list_changes))
            .route(web::post().to(changes::create_change)),
    )
    // Before `/changes/{id}`, which would take `schedule` for an id.
    .service(resource("/changes/schedule", "GET").route(web::get().to(sc::change_schedule)))
    .service(
        resource("/changes/{id}", "GET, PATCH")
            .route(web::get().to(changes::get_change))
            .route(web::patch().to(changes::update_change)),
    )
    .service(resource("/changes/{id}/events", "GET").route(web::get().to(changes::list_change_events)))
    .service(resource("/changes/{id}/submit", "POST").route(web::post().to(a::submit_change)))
    .service(resource("/changes/{id}/assess", "POST").route(web::post().to(a::assess_change)))
    .service(resource("/changes/{id}/request-approval", "POST").route(web::post().to(a::request_approval)))
    .service(resource("/changes/{id}/schedule", "POST").route(web::post().to(a::schedule_change)))
    .service(resource("/changes/{id}/dinas-test", "POST").route(web::post().to(a::record_dinas_test)))
    .service(resource("/changes/{id}/start", "POST").route(web::post().to(a::start_change)))
    .service(resource("/changes/{id}/complete", "POST").route(web::post().to(a::complete_change)))
    .service(resource("/changes/{id}/review", "POST").route(web::post().to(a::review_change)))
    .service(resource("/changes/{id}/cancel", "POST").route(web::post().to(a::cancel_change)))
    .service(resource("/changes/{id}/tickets", "POST").route(web::post().to(a::link_change_ticket)))
    .service(resource("/changes/{id}/follow-ups/{position}", "PATCH").route(web::patch().to(a::update_follow_up)))
    .service(
        resource("/changes/{id}/approvals", "GET, POST")
            .route(web::get().to(ap::list_approvals))
            .route(web::post().to(ap::approve_change)),
    )
    .service(resource("/changes/{id}/approvals/verify", "GET").route(web::get().to(ap::verify_approvals)))
    .service(resource("/changes/{id}/conflicts", "GET").route(web::get().to(ap::change_conflicts)))
    .service(resource("/tickets/{id}/raise-change", "POST").route(web::post().to(a::raise_change)))
    .service(resource("/reports/changes", "GET").route(web::get().to(sc::change_report)))
    .service(
        resource("/change-templates", "GET, POST")
            .route(web::get().to(admin::list_templates))
            .route(web::post().to(admin::create_template)),
    )
    .service(
        resource("/change-templates/{id}", "GET, PUT")
            .route(web::get().to(admin::get_template))
            .route(web::put().to(admin::replace_template)),
    )
    .service(
        resource("/freeze-windows", "GET, POST")
            .route(web::get().to(admin::list_freezes))
            .route(web::post().to(admin::create_freeze)),
    )
    .service(
        resource("/freeze-windows/{id}", "GET, PUT, DELETE")
            .route(web::get().to(admin::get_freeze))
            .route(web::put().to(admin::replace_freeze))
            .route(web::delete().to(admin::delete_freeze)),
    );
}

/// Webhook subscriptions, the notice outbox, and notice preferences.
fn notice_routes(cfg: &mut web::ServiceConfig) {
    use notifications as n;
    cfg.service(
        resource("/webhooks", "GET, POST")
            .route(web::get().to(webhooks::list_webhooks))
            .route(web::post().to(webhooks::create_webhook)),
    )
    .service(
        resource("/webhooks/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(webhooks::get_webhook))
            .route(web::patch().to(webhooks::update_webhook))
            .route(web::delete().to(webhooks::delete_webhook)),
    )
    .service(resource("/webhooks/{id}/rotate-secret", "POST").route(web::post().to(webhooks::rotate_webhook_secret)))
    .service(resource("/webhooks/{id}/ping", "POST").route(web::post().to(webhooks::ping_webhook)))
    .service(resource("/webhooks/{id}/deliveries", "GET").route(web::get().to(webhooks::list_deliveries)))
    .service(
        resource("/webhooks/{id}/deliveries/{delivery_id}/redeliver", "POST")
            .route(web::post().to(webhooks::redeliver)),
    )
    .service(resource("/notifications", "GET").route(web::get().to(n::list_notifications)))
    .service(resource("/notifications/preview", "GET").route(web::get().to(n::preview_notification)))
    .service(resource("/notifications/{id}", "GET").route(web::get().to(n::get_notification)))
    .service(resource("/notifications/{id}/retry", "POST").route(web::post().to(n::retry_notification)))
    .service(
        resource("/me/notice-preferences", "GET, PUT")
            .route(web::get().to(n::get_preferences))
            .route(web::put().to(n::put_preferences)),
    );
}

/// The working calendars and their holidays.
fn calendar_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/calendars", "GET, POST")
            .route(web::get().to(calendars::list_calendars))
            .route(web::post().to(calendars::create_calendar)),
    )
    .service(
        resource("/calendars/{id}", "GET, PUT, DELETE")
            .route(web::get().to(calendars::get_calendar))
            .route(web::put().to(calendars::replace_calendar))
            .route(web::delete().to(calendars::delete_calendar)),
    )
    .service(
        resource("/calendars/{id}/versions/{version}", "GET").route(web::get().to(calendars::get_calendar_version)),
    )
    .service(resource("/calendars/{id}/due", "GET").route(web::get().to(calendar_due::due_on_calendar)))
    .service(resource("/calendars/{id}/holidays", "POST").route(web::post().to(calendars::import_holidays)))
    .service(resource("/calendars/{id}/holidays/{date}", "DELETE").route(web::delete().to(calendars::remove_holiday)))
    .service(
        resource("/sla-policies", "GET, POST")
            .route(web::get().to(sla_policies::list_policies))
            .route(web::post().to(sla_policies::create_policy)),
    )
    .service(
        resource("/sla-policies/{id}", "GET, PUT, DELETE")
            .route(web::get().to(sla_policies::get_policy))
            .route(web::put().to(sla_policies::replace_policy))
            .route(web::delete().to(sla_policies::delete_policy)),
    )
    .service(
        resource("/sla-policies/{id}/versions/{version}", "GET").route(web::get().to(sla_policies::get_policy_version)),
    );
}

/// The ticket routes (intake, queues, workflow, comments, problems).
fn ticket_routes(cfg: &mut web::ServiceConfig) {
    use tickets::{actions, attachments, comments, sla};
    cfg.service(
        resource("/tickets", "GET, POST")
            .route(web::get().to(tickets::list_tickets))
            .route(web::post().to(tickets::create_ticket)),
    )
    .service(resource("/tickets/summary", "GET").route(web::get().to(tickets::ticket_summary)))
    .service(
        resource("/tickets/{id}", "GET, PATCH")
            .route(web::get().to(tickets::get_ticket))
            .route(web::patch().to(tickets::update_ticket)),
    )
    .service(resource("/tickets/{id}/assign", "POST").route(web::post().to(actions::assign_ticket)))
    .service(resource("/tickets/{id}/start", "POST").route(web::post().to(actions::start_ticket)))
    .service(resource("/tickets/{id}/pending", "POST").route(web::post().to(actions::pend_ticket)))
    .service(resource("/tickets/{id}/resume", "POST").route(web::post().to(actions::resume_ticket)))
    .service(resource("/tickets/{id}/escalate", "POST").route(web::post().to(actions::escalate_ticket)))
    .service(resource("/tickets/{id}/return", "POST").route(web::post().to(actions::return_ticket)))
    .service(resource("/tickets/{id}/resolve", "POST").route(web::post().to(actions::resolve_ticket)))
    .service(
        resource("/tickets/{id}/knowledge-links", "GET, POST")
            .route(web::get().to(tickets::knowledge::list_article_links))
            .route(web::post().to(tickets::knowledge::link_articles)),
    )
    .service(
        resource("/tickets/{id}/known-error-article", "POST")
            .route(web::post().to(tickets::knowledge::known_error_article)),
    )
    .service(resource("/tickets/{id}/close", "POST").route(web::post().to(actions::close_ticket)))
    .service(resource("/tickets/{id}/reopen", "POST").route(web::post().to(actions::reopen_ticket)))
    .service(resource("/tickets/{id}/rating", "POST").route(web::post().to(actions::rate_ticket)))
    .service(
        resource("/tickets/{id}/linked-tickets", "GET, POST")
            .route(web::get().to(actions::list_linked_tickets))
            .route(web::post().to(actions::link_ticket)),
    )
    .service(
        resource("/tickets/{id}/linked-tickets/{ticket_id}", "DELETE").route(web::delete().to(actions::unlink_ticket)),
    )
    .service(
        resource("/tickets/{id}/comments", "GET, POST")
            .route(web::get().to(comments::list_comments))
            .route(web::post().to(comments::create_comment)),
    )
    .service(resource("/tickets/{id}/events", "GET").route(web::get().to(comments::list_events)))
    .service(resource("/tickets/{id}/sla", "GET").route(web::get().to(sla::ticket_sla)))
    .service(resource("/tickets/{id}/sla/recompute", "POST").route(web::post().to(sla::recompute_sla)))
    .service(resource("/reports/sla", "GET").route(web::get().to(reports::sla_report)))
    .service(resource("/reports/knowledge", "GET").route(web::get().to(knowledge::report::knowledge_report)))
    .service(
        resource("/tickets/{id}/attachments", "GET, POST")
            .route(web::get().to(attachments::list_attachments))
            .route(web::post().to(attachments::upload_attachment)),
    )
    .service(
        resource("/tickets/{id}/attachments/{attachment_id}", "GET")
            .route(web::get().to(attachments::download_attachment)),
    );
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`)
/// or a value, so that a PATCH can clear it. Use with `#[serde(default)]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}
