//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::changes::{
    self, actions as change_actions, admin as change_admin, approvals as change_approvals, schedule as change_schedule,
};
use super::openapi_errors::ErrorResponses;
use super::openapi_text::TextRules;
use super::openapi_values::{NoticeEvent, ValueRules};
use super::tickets::{self, actions, attachments, comments, sla};
use super::{
    api_keys, assets, audit, audit_chain, audit_state, auth, calendar_due, calendars, health, knowledge, notifications,
    own_password, privacy, reports, services, sla_policies, units, users, webhooks,
};
use crate::error::{FieldErrorDoc, Problem};

#[derive(OpenApi)]
#[openapi(
    info(title = "Layanan SPBE Service Desk API", version = "1",
        description = "REST API of the regional SPBE IT service desk: tier 1 at every Perangkat Daerah, tier 2 at the Dinas. Errors are application/problem+json (RFC 7807)."),
    paths(
        health::live, health::ready, health::metrics,
        auth::login, auth::refresh, auth::logout, auth::me, own_password::change_own_password,
        units::list_units, units::create_unit, units::get_unit, units::update_unit,
        users::list_users, users::create_user, users::get_user, users::update_user,
        api_keys::create_api_key, api_keys::list_api_keys, api_keys::get_api_key, api_keys::revoke_api_key,
        services::list_services, services::create_service, services::get_service, services::update_service,
        tickets::create_ticket, tickets::list_tickets, tickets::ticket_summary, tickets::get_ticket, tickets::update_ticket,
        actions::assign_ticket, actions::start_ticket, actions::pend_ticket, actions::resume_ticket, actions::escalate_ticket,
        actions::return_ticket, actions::resolve_ticket, actions::close_ticket, actions::reopen_ticket, actions::rate_ticket,
        actions::link_ticket, actions::unlink_ticket, actions::list_linked_tickets,
        comments::create_comment, comments::list_comments, comments::list_events,
        attachments::upload_attachment, attachments::list_attachments, attachments::download_attachment,
        calendars::list_calendars, calendars::create_calendar, calendars::get_calendar, calendars::get_calendar_version,
        calendars::replace_calendar, calendars::delete_calendar, calendars::import_holidays, calendars::remove_holiday,
        calendar_due::due_on_calendar,
        sla_policies::list_policies, sla_policies::create_policy, sla_policies::get_policy, sla_policies::get_policy_version,
        sla_policies::replace_policy, sla_policies::delete_policy,
        sla::ticket_sla, sla::recompute_sla, reports::sla_report,
        audit::list_audit,
        audit_chain::verify_audit,
        audit_state::verify_audit_state,
        audit_chain::list_checkpoints,
        audit_chain::create_checkpoint,
        audit_chain::export_audit,
        privacy::erase_personal_data,
        webhooks::create_webhook, webhooks::list_webhooks, webhooks::get_webhook, webhooks::update_webhook,
        webhooks::delete_webhook, webhooks::rotate_webhook_secret, webhooks::ping_webhook,
        webhooks::list_deliveries, webhooks::redeliver,
        notifications::list_notifications, notifications::get_notification, notifications::retry_notification,
        notifications::preview_notification, notifications::get_preferences, notifications::put_preferences,
        changes::create_change, changes::list_changes, changes::get_change, changes::update_change,
        changes::list_change_events,
        change_actions::submit_change, change_actions::assess_change, change_actions::request_approval,
        change_actions::schedule_change, change_actions::record_dinas_test, change_actions::start_change,
        change_actions::complete_change, change_actions::review_change, change_actions::cancel_change,
        change_actions::link_change_ticket, change_actions::update_follow_up, change_actions::raise_change,
        change_approvals::approve_change, change_approvals::list_approvals, change_approvals::verify_approvals,
        change_approvals::change_conflicts, change_schedule::change_schedule, change_schedule::change_report,
        change_admin::create_template, change_admin::list_templates, change_admin::get_template,
        change_admin::replace_template, change_admin::create_freeze, change_admin::list_freezes,
        change_admin::get_freeze, change_admin::replace_freeze, change_admin::delete_freeze,
        knowledge::create_article, knowledge::list_articles, knowledge::get_article, knowledge::update_article,
        knowledge::moves::submit_article, knowledge::moves::return_article, knowledge::moves::publish_article,
        knowledge::moves::revise_article, knowledge::moves::retire_article, knowledge::moves::list_article_versions,
        knowledge::moves::get_article_version, knowledge::search::search_articles, knowledge::search::suggest_articles,
        knowledge::report::knowledge_report,
        knowledge::feedback::rate_article, knowledge::feedback::flag_article, knowledge::feedback::list_flags,
        knowledge::feedback::close_flag, knowledge::moves::confirm_review,
        knowledge::attachments::upload_article_attachment, knowledge::attachments::list_article_attachments,
        knowledge::attachments::download_article_attachment, knowledge::attachments::remove_article_attachment,
        tickets::knowledge::link_articles, tickets::knowledge::list_article_links, tickets::knowledge::known_error_article,
        assets::create_asset, assets::list_assets, assets::get_asset, assets::update_asset, assets::graph::move_asset,
        assets::graph::asset_history, assets::graph::add_relation, assets::graph::list_relations,
        assets::graph::remove_relation, assets::graph::asset_impact,
        openapi_json,
    ),
    // Schemas only parameters name: utoipa collects those of bodies alone.
    components(schemas(Problem, FieldErrorDoc, tickets::TicketListSort, changes::types::ChangeListSort,
        reports::SlaReportGrouping, knowledge::report::KnowledgeReportGrouping, calendar_due::TargetUnit, NoticeEvent)),
    modifiers(&SecuritySchemes, &ErrorResponses, &TextRules, &ValueRules),
    tags(
        (name = "auth", description = "Log in, refresh, log out, who am I, change your password"),
        (name = "units", description = "Perangkat Daerah and the Dinas"),
        (name = "users", description = "People and their roles"),
        (name = "services", description = "The Layanan SPBE catalog"),
        (name = "tickets", description = "Intake, queues, comments and the timeline"),
        (name = "ticket workflow", description = "Assign, start, pend, escalate to tier 2, return, resolve, close, reopen, rate"),
        (name = "problems", description = "Linking incidents and complaints to problems"),
        (name = "knowledge", description = "Knowledge articles (Manajemen Pengetahuan SPBE): writing, review, versions, search and suggestions at intake"),
        (name = "assets", description = "The register of TIK assets (Manajemen Aset TIK): life cycle, relations, history and impact"),
        (name = "changes", description = "Change records (Manajemen Perubahan): requests, approvals, conflicts, the schedule and the report"),
        (name = "change workflow", description = "Submit, assess, request approval, approve, schedule, test with the Dinas, start, complete, review, cancel"),
        (name = "change templates", description = "Templates of standard changes and freeze windows"),
        (name = "calendars", description = "Working hours, holidays and special schedules (WIB, WITA, WIT)"),
        (name = "sla-policies", description = "Response and resolution targets per priority"),
        (name = "sla", description = "SLA clocks of tickets, their recompute, and compliance reports"),
        (name = "api-keys", description = "Service accounts for helpdesk front ends"),
        (name = "audit", description = "The audit log"),
        (name = "privacy", description = "Personal data (UU 27/2022): erasure without breaking the audit chains"),
        (name = "webhooks", description = "Signed event deliveries to front ends (Standard Webhooks 1.0)"),
        (name = "notifications", description = "The notice outbox (mail and webhooks) and notice preferences"),
        (name = "health", description = "Operations"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("`server.metrics_token`")).build(),
            ),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(super::openapi_links::with_links(&ApiDoc::openapi()))
}
