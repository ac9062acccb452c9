//! The portable schema shared by both backends (see the migrations folders).

diesel::table! {
    units (id) {
        id -> Binary,
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
        calendar_id -> Nullable<Binary>,
        head_name -> Nullable<Text>,
        head_email -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Binary,
        unit_id -> Binary,
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
    sessions (id) {
        id -> Binary,
        user_id -> Binary,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Binary,
        session_id -> Binary,
        token_hash -> Binary,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Binary,
        name -> Text,
        prefix -> Text,
        key_hash -> Binary,
        unit_id -> Binary,
        roles -> Text,
        created_by -> Binary,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Binary,
        occurred_at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Binary>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Binary,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        chain_id -> Nullable<Binary>,
        position -> Nullable<BigInt>,
        prev_hash -> Nullable<Binary>,
        hash -> Nullable<Binary>,
    }
}

diesel::table! {
    audit_heads (chain_id) {
        chain_id -> Binary,
        position -> BigInt,
        hash -> Binary,
        written_at -> Timestamp,
        signed -> Bool,
    }
}

diesel::table! {
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
    audit_checkpoint_heads (chain_id, checkpoint_seq) {
        chain_id -> Binary,
        checkpoint_seq -> BigInt,
        position -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    services (id) {
        id -> Binary,
        code -> Text,
        name -> Text,
        description -> Text,
        category -> Text,
        owner_unit_id -> Binary,
        platform -> Text,
        application_name -> Nullable<Text>,
        direct_tier2 -> Bool,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        calendar_id -> Nullable<Binary>,
        sla_policy_id -> Nullable<Binary>,
        depends_on -> Text,
    }
}

diesel::table! {
    tickets (id) {
        id -> Binary,
        number -> Text,
        ticket_type -> Text,
        title -> Text,
        description -> Text,
        service_id -> Binary,
        unit_id -> Binary,
        reporter_id -> Nullable<Binary>,
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
        assignee_id -> Nullable<Binary>,
        tier2_involved -> Bool,
        escalation_count -> Integer,
        last_escalated_at -> Nullable<Timestamp>,
        pending_reason -> Nullable<Text>,
        external_source -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        complaint_ref -> Nullable<Text>,
        problem_id -> Nullable<Binary>,
        resolution_code -> Nullable<Text>,
        resolution -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        reopen_count -> Integer,
        rating -> Nullable<SmallInt>,
        rating_remark -> Nullable<Text>,
        created_by_kind -> Text,
        created_by -> Binary,
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
    sla_clocks (ticket_id, kind) {
        ticket_id -> Binary,
        kind -> Text,
        calendar_id -> Binary,
        calendar_version -> BigInt,
        policy_id -> Binary,
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
    ticket_events (id) {
        id -> Binary,
        ticket_id -> Binary,
        seq -> Integer,
        kind -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Binary>,
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
    ticket_counts (unit_id, tier, status, priority, tier2_involved, unassigned) {
        unit_id -> Binary,
        tier -> SmallInt,
        status -> Text,
        priority -> Text,
        tier2_involved -> Bool,
        unassigned -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    ticket_count_deltas (id) {
        id -> BigInt,
        unit_id -> Binary,
        tier -> SmallInt,
        status -> Text,
        priority -> Text,
        tier2_involved -> Bool,
        unassigned -> Bool,
        n -> BigInt,
    }
}

diesel::table! {
    sla_report_cells (month, unit_id, service_id, tier, priority, tier2_involved, fact) {
        month -> Text,
        unit_id -> Binary,
        service_id -> Binary,
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
    sla_report_deltas (id) {
        id -> BigInt,
        month -> Text,
        unit_id -> Binary,
        service_id -> Binary,
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
    ticket_comments (id) {
        id -> Binary,
        ticket_id -> Binary,
        author_kind -> Text,
        author_id -> Binary,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> Binary,
        ticket_id -> Binary,
        comment_id -> Nullable<Binary>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by_kind -> Text,
        uploaded_by -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (actor_id, idem_key) {
        actor_id -> Binary,
        idem_key -> Text,
        request_hash -> Binary,
        status -> SmallInt,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    calendars (id) {
        id -> Binary,
        name -> Text,
        time_zone -> Text,
        week_json -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_holidays (id) {
        id -> Binary,
        calendar_id -> Binary,
        holiday_date -> Text,
        kind -> Text,
        name -> Text,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    calendar_specials (id) {
        id -> Binary,
        calendar_id -> Binary,
        name -> Text,
        date_from -> Text,
        date_to -> Text,
        week_json -> Text,
    }
}

diesel::table! {
    calendar_versions (calendar_id, version) {
        calendar_id -> Binary,
        version -> BigInt,
        snapshot_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sla_policies (id) {
        id -> Binary,
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
    sla_policy_versions (policy_id, version) {
        policy_id -> Binary,
        version -> BigInt,
        snapshot_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> units (unit_id));
diesel::joinable!(calendar_holidays -> calendars (calendar_id));
diesel::joinable!(calendar_specials -> calendars (calendar_id));
diesel::table! {
    notice_events (id) {
        id -> Binary,
        event -> Text,
        subject_id -> Binary,
        actor_id -> Nullable<Binary>,
        occurred_at -> Timestamp,
        payload_json -> Text,
    }
}

diesel::table! {
    notices (id) {
        id -> Binary,
        kind -> Text,
        event_id -> Binary,
        event -> Text,
        ticket_id -> Nullable<Binary>,
        audience -> Text,
        subscription_id -> Nullable<Binary>,
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
    notice_attempts (notice_id, attempt) {
        notice_id -> Binary,
        attempt -> Integer,
        at -> Timestamp,
        outcome -> Text,
        status_code -> Nullable<Integer>,
        latency_ms -> Integer,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Binary,
        url -> Text,
        description -> Text,
        events -> Text,
        unit_id -> Nullable<Binary>,
        owner_user_id -> Nullable<Binary>,
        owner_api_key_id -> Nullable<Binary>,
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
    change_templates (id) {
        id -> Binary,
        service_id -> Binary,
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
    changes (id) {
        id -> Binary,
        number -> Text,
        change_type -> Text,
        scope -> Text,
        status -> Text,
        title -> Text,
        description -> Text,
        reason -> Text,
        owner_unit_id -> Binary,
        requester_id -> Binary,
        template_id -> Nullable<Binary>,
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
    change_services (change_id, service_id) {
        change_id -> Binary,
        service_id -> Binary,
    }
}

diesel::table! {
    change_tickets (change_id, ticket_id) {
        change_id -> Binary,
        ticket_id -> Binary,
        relation -> Text,
    }
}

diesel::table! {
    change_approvals (id) {
        id -> Binary,
        change_id -> Binary,
        approver_id -> Binary,
        capacity -> Text,
        unit_id -> Nullable<Binary>,
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
    change_follow_ups (change_id, position) {
        change_id -> Binary,
        position -> Integer,
        action -> Text,
        owner_id -> Binary,
        due_on -> Text,
        done -> Bool,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    change_events (id) {
        id -> Binary,
        change_id -> Binary,
        seq -> Integer,
        kind -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Binary>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        data_json -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    freeze_windows (id) {
        id -> Binary,
        name -> Text,
        reason -> Text,
        from_date -> Text,
        to_date -> Text,
        daily_start -> Nullable<Integer>,
        daily_end -> Nullable<Integer>,
        working_days_only -> Bool,
        calendar_id -> Nullable<Binary>,
        time_zone -> Text,
        service_ids -> Text,
        unit_ids -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(changes, change_services, change_tickets, services, tickets);
