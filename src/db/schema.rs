//! The portable schema shared by both backends (see the migrations folders).
//! Id columns are `Id`: `uuid` on PostgreSQL, 16 bytes on SQLite (see
//! `sql_types`).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    units (id) {
        id -> Id,
        kind -> Text,
        code -> Text,
        name -> Text,
        mandiri_tik -> Bool,
        time_zone -> Text,
        mailbox -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        calendar_id -> Nullable<Id>,
        head_name -> Nullable<Text>,
        head_email -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    users (id) {
        id -> Id,
        unit_id -> Id,
        name -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        roles -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        notice_opt_outs -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    sessions (id) {
        id -> Id,
        user_id -> Id,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    refresh_tokens (id) {
        id -> Id,
        session_id -> Id,
        token_hash -> Binary,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    api_keys (id) {
        id -> Id,
        name -> Text,
        prefix -> Text,
        key_hash -> Binary,
        unit_id -> Id,
        roles -> Text,
        created_by -> Id,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    audit_log (id) {
        id -> Id,
        occurred_at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Id>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Id,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        chain_id -> Nullable<Id>,
        position -> Nullable<BigInt>,
        prev_hash -> Nullable<Binary>,
        hash -> Nullable<Binary>,
        before_position -> Nullable<BigInt>,
        after_edits -> Nullable<Text>,
        before_edits -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    audit_heads (chain_id) {
        chain_id -> Id,
        position -> BigInt,
        hash -> Binary,
        written_at -> Timestamp,
        signed -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    audit_checkpoints (seq) {
        seq -> BigInt,
        taken_at -> Timestamp,
        key_id -> Text,
        prev_hash -> Binary,
        head_count -> BigInt,
        heads_digest -> Binary,
        hash -> Binary,
        signature -> Binary,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    audit_checkpoint_heads (chain_id, checkpoint_seq) {
        chain_id -> Id,
        checkpoint_seq -> BigInt,
        position -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    services (id) {
        id -> Id,
        code -> Text,
        name -> Text,
        description -> Text,
        category -> Text,
        owner_unit_id -> Id,
        platform -> Text,
        application_name -> Nullable<Text>,
        direct_tier2 -> Bool,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        calendar_id -> Nullable<Id>,
        sla_policy_id -> Nullable<Id>,
        depends_on -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    tickets (id) {
        id -> Id,
        number -> Text,
        ticket_type -> Text,
        title -> Text,
        description -> Text,
        service_id -> Id,
        unit_id -> Id,
        reporter_id -> Nullable<Id>,
        reporter_name -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        channel -> Text,
        impact -> Text,
        urgency -> Text,
        priority -> Text,
        priority_rank -> SmallInt,
        status -> Text,
        tier -> SmallInt,
        assignee_id -> Nullable<Id>,
        tier2_involved -> Bool,
        escalation_count -> Integer,
        last_escalated_at -> Nullable<Timestamp>,
        pending_reason -> Nullable<Text>,
        external_source -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        complaint_ref -> Nullable<Text>,
        problem_id -> Nullable<Id>,
        resolution_code -> Nullable<Text>,
        resolution -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        reopen_count -> Integer,
        rating -> Nullable<SmallInt>,
        rating_remark -> Nullable<Text>,
        created_by_kind -> Text,
        created_by -> Id,
        event_seq -> Integer,
        public_event_seq -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sla_due_at -> Nullable<Timestamp>,
        sla_check_at -> Nullable<Timestamp>,
        response_breached -> Bool,
        resolution_breached -> Bool,
        tier2_breached -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    sla_clocks (ticket_id, kind) {
        ticket_id -> Id,
        kind -> Text,
        calendar_id -> Id,
        calendar_version -> BigInt,
        policy_id -> Id,
        policy_version -> BigInt,
        target_json -> Text,
        warning_percent -> SmallInt,
        started_at -> Timestamp,
        pauses_json -> Text,
        stopped_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        warn_at -> Nullable<Timestamp>,
        warned_at -> Nullable<Timestamp>,
        breached_at -> Nullable<Timestamp>,
        elapsed_seconds -> Nullable<BigInt>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    ticket_events (id) {
        id -> Id,
        ticket_id -> Id,
        seq -> Integer,
        kind -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Id>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        from_tier -> Nullable<SmallInt>,
        to_tier -> Nullable<SmallInt>,
        data_json -> Nullable<Text>,
        internal -> Bool,
        occurred_at -> Timestamp,
        public_seq -> Nullable<Integer>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    ticket_counts (unit_id, tier, status, priority, tier2_involved, unassigned) {
        unit_id -> Id,
        tier -> SmallInt,
        status -> Text,
        priority -> Text,
        tier2_involved -> Bool,
        unassigned -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    ticket_count_deltas (id) {
        id -> BigInt,
        unit_id -> Id,
        tier -> SmallInt,
        status -> Text,
        priority -> Text,
        tier2_involved -> Bool,
        unassigned -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    sla_report_cells (month, unit_id, service_id, tier, priority, tier2_involved, fact) {
        month -> Text,
        unit_id -> Id,
        service_id -> Id,
        tier -> SmallInt,
        priority -> Text,
        tier2_involved -> Bool,
        fact -> Text,
        n -> BigInt,
        escalated -> BigInt,
        reopened -> BigInt,
        met -> BigInt,
        breached -> BigInt,
        open -> BigInt,
        times -> Binary,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    sla_report_deltas (id) {
        id -> BigInt,
        month -> Text,
        unit_id -> Id,
        service_id -> Id,
        tier -> SmallInt,
        priority -> Text,
        tier2_involved -> Bool,
        fact -> Text,
        n -> BigInt,
        escalated -> BigInt,
        reopened -> BigInt,
        met -> BigInt,
        breached -> BigInt,
        open -> BigInt,
        elapsed_seconds -> Nullable<BigInt>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    ticket_comments (id) {
        id -> Id,
        ticket_id -> Id,
        author_kind -> Text,
        author_id -> Id,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    attachments (id) {
        id -> Id,
        ticket_id -> Id,
        comment_id -> Nullable<Id>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by_kind -> Text,
        uploaded_by -> Id,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    idempotency_keys (actor_id, idem_key) {
        actor_id -> Id,
        idem_key -> Text,
        request_hash -> Binary,
        status -> SmallInt,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    calendars (id) {
        id -> Id,
        name -> Text,
        time_zone -> Text,
        week_json -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    calendar_holidays (id) {
        id -> Id,
        calendar_id -> Id,
        holiday_date -> Text,
        kind -> Text,
        name -> Text,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    calendar_specials (id) {
        id -> Id,
        calendar_id -> Id,
        name -> Text,
        date_from -> Text,
        date_to -> Text,
        week_json -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    calendar_versions (calendar_id, version) {
        calendar_id -> Id,
        version -> BigInt,
        snapshot_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    sla_policies (id) {
        id -> Id,
        name -> Text,
        description -> Text,
        policy_json -> Text,
        is_default -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    sla_policy_versions (policy_id, version) {
        policy_id -> Id,
        version -> BigInt,
        snapshot_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> units (unit_id));
diesel::joinable!(calendar_holidays -> calendars (calendar_id));
diesel::joinable!(calendar_specials -> calendars (calendar_id));
diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    notice_events (id) {
        id -> Id,
        event -> Text,
        subject_id -> Id,
        actor_id -> Nullable<Id>,
        occurred_at -> Timestamp,
        payload_json -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    notices (id) {
        id -> Id,
        kind -> Text,
        event_id -> Id,
        event -> Text,
        ticket_id -> Nullable<Id>,
        audience -> Text,
        subscription_id -> Nullable<Id>,
        recipient -> Text,
        recipient_name -> Nullable<Text>,
        template -> Nullable<Text>,
        subject -> Nullable<Text>,
        body_text -> Text,
        body_html -> Nullable<Text>,
        critical -> Bool,
        status -> Text,
        attempts -> Integer,
        round_started_at -> Nullable<Timestamp>,
        round_attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_status_code -> Nullable<Integer>,
        last_latency_ms -> Nullable<Integer>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    notice_attempts (notice_id, attempt) {
        notice_id -> Id,
        attempt -> Integer,
        at -> Timestamp,
        outcome -> Text,
        status_code -> Nullable<Integer>,
        latency_ms -> Integer,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    webhook_subscriptions (id) {
        id -> Id,
        url -> Text,
        description -> Text,
        events -> Text,
        unit_id -> Nullable<Id>,
        owner_user_id -> Nullable<Id>,
        owner_api_key_id -> Nullable<Id>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        consecutive_dead -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deliveries_held_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_keys -> units (unit_id));
diesel::joinable!(services -> units (owner_unit_id));
diesel::joinable!(tickets -> services (service_id));
diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(ticket_comments -> tickets (ticket_id));
diesel::joinable!(sla_clocks -> tickets (ticket_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    personal_data (commitment) {
        commitment -> Text,
        subject_id -> Id,
        field -> Text,
        value -> Nullable<Text>,
        salt -> Nullable<Binary>,
        created_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    units,
    users,
    sessions,
    refresh_tokens,
    api_keys,
    login_throttle,
    audit_log
);

diesel::allow_tables_to_appear_in_same_query!(tickets, sla_clocks);

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    change_templates (id) {
        id -> Id,
        service_id -> Id,
        name -> Text,
        scope -> Text,
        title -> Text,
        description -> Text,
        implementation_plan -> Text,
        test_plan -> Text,
        rollback_plan -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    changes (id) {
        id -> Id,
        number -> Text,
        change_type -> Text,
        scope -> Text,
        status -> Text,
        title -> Text,
        description -> Text,
        reason -> Text,
        owner_unit_id -> Id,
        requester_id -> Id,
        template_id -> Nullable<Id>,
        risk_json -> Nullable<Text>,
        risk_level -> Nullable<Text>,
        impact_analysis -> Text,
        implementation_plan -> Text,
        test_plan -> Text,
        rollback_plan -> Text,
        special -> Bool,
        planned_start -> Nullable<Timestamp>,
        planned_end -> Nullable<Timestamp>,
        schedule_sequence -> Integer,
        override_json -> Nullable<Text>,
        dinas_test_json -> Nullable<Text>,
        actual_start -> Nullable<Timestamp>,
        actual_end -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        outcome_notes -> Nullable<Text>,
        review_findings -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_due_at -> Nullable<Timestamp>,
        board_review_pending -> Bool,
        statuses_visited -> Text,
        approval_requested_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        window_notice_sequence -> Nullable<Integer>,
        review_overdue_told -> Bool,
        event_seq -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    change_services (change_id, service_id) {
        change_id -> Id,
        service_id -> Id,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    change_tickets (change_id, ticket_id) {
        change_id -> Id,
        ticket_id -> Id,
        relation -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    change_approvals (id) {
        id -> Id,
        change_id -> Id,
        approver_id -> Id,
        capacity -> Text,
        unit_id -> Nullable<Id>,
        stage -> Text,
        decision -> Text,
        comment -> Text,
        content_hash -> Binary,
        key_id -> Text,
        signature -> Binary,
        decided_at -> Timestamp,
        voided_at -> Nullable<Timestamp>,
        void_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    change_follow_ups (change_id, position) {
        change_id -> Id,
        position -> Integer,
        action -> Text,
        owner_id -> Id,
        due_on -> Text,
        done -> Bool,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    change_events (id) {
        id -> Id,
        change_id -> Id,
        seq -> Integer,
        kind -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Id>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        data_json -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    freeze_windows (id) {
        id -> Id,
        name -> Text,
        reason -> Text,
        from_date -> Text,
        to_date -> Text,
        daily_start -> Nullable<Integer>,
        daily_end -> Nullable<Integer>,
        working_days_only -> Bool,
        calendar_id -> Nullable<Id>,
        time_zone -> Text,
        service_ids -> Text,
        unit_ids -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(changes, change_services, change_tickets, services, tickets);

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_articles (id) {
        id -> Id,
        service_id -> Id,
        owner_unit_id -> Id,
        author_id -> Id,
        kind -> Text,
        audience -> Text,
        status -> Text,
        title -> Text,
        body -> Text,
        keywords -> Text,
        term_count -> Integer,
        published_version -> Integer,
        published_at -> Nullable<Timestamp>,
        review_due_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_versions (article_id, number) {
        article_id -> Id,
        number -> Integer,
        title -> Text,
        body -> Text,
        kind -> Text,
        audience -> Text,
        keywords -> Text,
        published_by -> Id,
        published_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_terms (term, article_id) {
        term -> Text,
        article_id -> Id,
        frequency -> Integer,
        impact -> Integer,
        published -> Bool,
        article_length -> Integer,
        audience -> Text,
        service_id -> Id,
        owner_unit_id -> Nullable<Id>,
        author_id -> Nullable<Id>,
    }
}

diesel::table! {
    knowledge_term_stats (term) {
        term -> Text,
        articles -> Integer,
    }
}

diesel::table! {
    knowledge_collection (id) {
        id -> Integer,
        articles -> BigInt,
        total_length -> BigInt,
    }
}

diesel::joinable!(knowledge_terms -> knowledge_articles (article_id));
diesel::joinable!(knowledge_articles -> services (service_id));
diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_links (ticket_id, article_id) {
        ticket_id -> Id,
        article_id -> Id,
        article_version -> Integer,
        unit_id -> Id,
        service_id -> Id,
        linked_by -> Id,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_ratings (id) {
        id -> Id,
        article_id -> Id,
        article_version -> Integer,
        helpful -> Bool,
        comment -> Nullable<Text>,
        rated_by -> Id,
        rated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_flags (id) {
        id -> Id,
        article_id -> Id,
        article_version -> Integer,
        reason -> Text,
        flagged_by -> Id,
        flagged_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_attachments (id) {
        id -> Id,
        article_id -> Id,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Id,
        created_at -> Timestamp,
        added_in_version -> Integer,
        removed_in_version -> Nullable<Integer>,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_views (article_id, viewer_id, viewed_at) {
        article_id -> Id,
        viewer_id -> Id,
        service_id -> Id,
        viewed_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_reviews (id) {
        id -> Id,
        article_id -> Id,
        due_at -> Nullable<Timestamp>,
        reviewed_at -> Timestamp,
        reviewed_by -> Id,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    knowledge_review_notices (article_id, due_at) {
        article_id -> Id,
        due_at -> Timestamp,
        told_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(knowledge_terms, knowledge_articles, services);
diesel::joinable!(knowledge_links -> knowledge_articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(knowledge_links, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_review_notices, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_versions, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_reviews, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_views, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_ratings, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_flags, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_attachments, knowledge_articles);
diesel::allow_tables_to_appear_in_same_query!(knowledge_links, tickets);
diesel::allow_tables_to_appear_in_same_query!(knowledge_views, tickets);

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    assets (id) {
        id -> Id,
        inventory_code -> Text,
        name -> Text,
        kind -> Text,
        status -> Text,
        owner_unit_id -> Id,
        service_id -> Nullable<Id>,
        location -> Text,
        custodian -> Text,
        serial_number -> Nullable<Text>,
        acquired_on -> Nullable<Date>,
        acquisition_value -> Nullable<BigInt>,
        warranty_ends_on -> Nullable<Date>,
        attributes -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Id;

    asset_relations (from_asset_id, to_asset_id, kind) {
        from_asset_id -> Id,
        to_asset_id -> Id,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(assets, asset_relations);
diesel::allow_tables_to_appear_in_same_query!(assets, services);
diesel::allow_tables_to_appear_in_same_query!(assets, units);
diesel::allow_tables_to_appear_in_same_query!(asset_relations, services);
