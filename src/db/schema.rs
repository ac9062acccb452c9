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
    }
}

diesel::joinable!(users -> units (unit_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_keys -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    units,
    users,
    sessions,
    refresh_tokens,
    api_keys,
    login_throttle,
    audit_log
);
