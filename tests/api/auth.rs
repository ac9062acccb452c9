//! Login, refresh-token rotation, logout, throttling and access-token checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use spbe_desk::clock::Clock;

use crate::on_both_backends;
use crate::support::{spawn_app, Backend, Resp, TestApp, PASSWORD, TEST_SECRET};

const LOGIN: &str = "/api/v1/auth/login";
const REFRESH: &str = "/api/v1/auth/refresh";
const LOGOUT: &str = "/api/v1/auth/logout";
const ME: &str = "/api/v1/me";

async fn attempt(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post(LOGIN, None, json!({ "email": email, "password": password })).await
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Resp {
    app.post(REFRESH, None, json!({ "refresh_token": refresh_token })).await
}

/// Asserts a 401 problem and returns its detail.
fn assert_unauthenticated(resp: &Resp) -> String {
    resp.assert_problem(401);
    assert_eq!(resp.body["type"], "urn:spbe-desk:problem:unauthenticated");
    assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
    resp.body["detail"].as_str().unwrap().to_owned()
}

/// The two tokens of a successful refresh.
fn tokens(resp: &Resp) -> (String, String) {
    assert_eq!(resp.status, 200, "{}", resp.text);
    let access = resp.body["access_token"].as_str().unwrap().to_owned();
    let refresh = resp.body["refresh_token"].as_str().unwrap().to_owned();
    (access, refresh)
}

/// The claims of a JWT, read without checking it.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn login_returns_bearer_tokens_and_me_shows_the_user(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let resp = attempt(&app, "  Tier1.A@Desk.go.id ", PASSWORD).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["token_type"], "Bearer");
    assert_eq!(resp.body["expires_in"], 900);
    let (access, refresh_token) = tokens(&resp);
    assert!(!refresh_token.is_empty());
    assert_eq!(access.split('.').count(), 3);
    assert_eq!(claims_of(&access)["sub"], org.tier1_a.id.to_string());

    let me = app.get(ME, Some(&access)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["kind"], "user");
    assert_eq!(me.body["id"], org.tier1_a.id.to_string());
    assert_eq!(me.body["email"], "tier1.a@desk.go.id");
    assert_eq!(me.body["unit_id"], org.pd_a.to_string());
    assert_eq!(me.body["roles"], json!(["tier1_technician"]));
}

async fn wrong_password_and_unknown_email_are_refused_alike(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let sessions = app.count("sessions");
    let wrong = attempt(&app, &org.reporter_a.email, "bukan-kata-sandinya").await;
    let unknown = attempt(&app, "tidak.ada@desk.go.id", PASSWORD).await;
    let detail = assert_unauthenticated(&wrong);
    assert_eq!(assert_unauthenticated(&unknown), detail);
    assert_eq!(wrong.body, unknown.body);

    let malformed = app
        .send(
            app.client
                .post(format!("{}{LOGIN}", app.address))
                .header("content-type", "application/json")
                .body(r#"{"email": "reporter.a@desk.go.id", "password": "#),
        )
        .await;
    malformed.assert_problem(400);
    assert_eq!(malformed.body["type"], "urn:spbe-desk:problem:malformed-request");

    let missing = app.post(LOGIN, None, json!({ "email": org.reporter_a.email })).await;
    missing.assert_problem(422);
    assert_eq!(missing.body["type"], "urn:spbe-desk:problem:validation");
    assert!(missing.text.contains("password"), "{}", missing.text);
    assert_eq!(app.count("sessions"), sessions);
}

async fn five_failures_lock_the_account_until_the_lockout_ends(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let email = org.reporter_a.email.as_str();
    for _ in 0..5 {
        assert_unauthenticated(&attempt(&app, email, "bukan-kata-sandinya").await);
    }
    let sessions = app.count("sessions");
    let locked = attempt(&app, email, PASSWORD).await;
    locked.assert_problem(429);
    assert_eq!(locked.body["type"], "urn:spbe-desk:problem:too-many-requests");
    let retry_after: i64 = locked.header("retry-after").expect("Retry-After").parse().expect("integer seconds");
    assert!((1..=900).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(app.count("sessions"), sessions);
    // Only this account is locked; the same client may log in as another.
    app.login(&org.reporter_b.email, PASSWORD).await;

    app.clock.advance(Duration::minutes(14));
    let still_locked = attempt(&app, email, PASSWORD).await;
    still_locked.assert_problem(429);
    let remaining: i64 = still_locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&remaining), "Retry-After {remaining}");
    app.clock.advance(Duration::minutes(2));
    let (access, _) = app.login(email, PASSWORD).await;
    assert_eq!(app.get(ME, Some(&access)).await.status, 200);
}

async fn a_successful_login_clears_the_failure_count(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let email = org.reporter_a.email.as_str();
    for _ in 0..4 {
        assert_unauthenticated(&attempt(&app, email, "bukan-kata-sandinya").await);
    }
    app.login(email, PASSWORD).await;
    for _ in 0..4 {
        assert_unauthenticated(&attempt(&app, email, "bukan-kata-sandinya").await);
    }
    app.login(email, PASSWORD).await;
}

async fn concurrent_failed_logins_get_no_more_guesses_than_the_limit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let email = org.reporter_a.email.as_str();
    let attempts = (0..12).map(|_| attempt(&app, email, "bukan-kata-sandinya"));
    let answers = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 7), "statuses {statuses:?}");
}

async fn reusing_a_refresh_token_ends_its_session_but_not_others(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let email = org.tier1_a.email.as_str();
    let (first_access, first_refresh) = app.login(email, PASSWORD).await;
    let (other_access, other_refresh) = app.login(email, PASSWORD).await;

    app.clock.advance(Duration::minutes(1));
    let rotated = refresh(&app, &first_refresh).await;
    assert_eq!(rotated.body["token_type"], "Bearer");
    assert_eq!(rotated.body["expires_in"], 900);
    let (second_access, second_refresh) = tokens(&rotated);
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(claims_of(&second_access)["sid"], claims_of(&first_access)["sid"]);
    assert_eq!(app.get(ME, Some(&second_access)).await.status, 200);

    app.clock.advance(Duration::minutes(1));
    let (third_access, third_refresh) = tokens(&refresh(&app, &second_refresh).await);
    assert_eq!(app.get(ME, Some(&third_access)).await.status, 200);

    let reused = refresh(&app, &first_refresh).await;
    assert!(assert_unauthenticated(&reused).contains("already used"), "{}", reused.text);
    assert_unauthenticated(&refresh(&app, &third_refresh).await);
    for access in [&first_access, &second_access, &third_access] {
        assert_unauthenticated(&app.get(ME, Some(access)).await);
    }

    assert_eq!(app.get(ME, Some(&other_access)).await.status, 200);
    let (next_other, _) = tokens(&refresh(&app, &other_refresh).await);
    assert_eq!(app.get(ME, Some(&next_other)).await.status, 200);
}

async fn concurrent_refreshes_with_one_token_get_the_same_tokens_and_a_late_reuse_ends_the_session(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (_, refresh_token) = app.login(&org.tier1_a.email, PASSWORD).await;
    let stored = app.count("refresh_tokens");
    // Three tabs refresh at once: all are served, with the same next token.
    let (a, b, c) =
        tokio::join!(refresh(&app, &refresh_token), refresh(&app, &refresh_token), refresh(&app, &refresh_token));
    for resp in [&a, &b, &c] {
        assert_eq!(resp.status, 200, "{}", resp.text);
    }
    let (access, next) = tokens(&a);
    assert!([&b, &c].iter().all(|r| tokens(r).1 == next), "one successor for all");
    assert_eq!(app.get(ME, Some(&access)).await.status, 200);
    assert_eq!(app.count("refresh_tokens"), stored + 1, "one successor");
    // Presented again after the grace period: reuse, the session ends.
    app.clock.advance(Duration::seconds(11));
    let late = refresh(&app, &refresh_token).await;
    assert!(assert_unauthenticated(&late).contains("already used"), "{}", late.text);
    assert_unauthenticated(&refresh(&app, &next).await);
    assert_unauthenticated(&app.get(ME, Some(&access)).await);
    assert_eq!(app.get(ME, Some(&org.tier1_a.token)).await.status, 200);
}

async fn tokens_issued_in_the_future_beyond_the_clock_skew_are_refused(backend: Backend) {
    let Some(app) = crate::support::spawn_app_with(backend, |s| s.auth.clock_skew_seconds = 60).await else { return };
    let org = app.org().await;
    let (access, _) = app.login(&org.tier1_a.email, PASSWORD).await;
    // This server's clock is 30 s behind the one that issued it: tolerated.
    app.clock.advance(-Duration::seconds(30));
    assert_eq!(app.get(ME, Some(&access)).await.status, 200);
    // Ten minutes behind: the token claims to be issued in the future.
    app.clock.advance(-Duration::minutes(10));
    assert_unauthenticated(&app.get(ME, Some(&access)).await);
}

async fn logout_ends_the_session(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (access, refresh_token) = app.login(&org.reporter_a.email, PASSWORD).await;
    let logout = app.send(app.client.post(format!("{}{LOGOUT}", app.address)).bearer_auth(&access)).await;
    assert_eq!(logout.status, 204, "{}", logout.text);
    assert!(logout.text.is_empty());

    let me = app.get(ME, Some(&access)).await;
    assert!(assert_unauthenticated(&me).contains("session has ended"), "{}", me.text);
    assert_unauthenticated(&refresh(&app, &refresh_token).await);
    let again = app.send(app.client.post(format!("{}{LOGOUT}", app.address)).bearer_auth(&access)).await;
    assert_unauthenticated(&again);
    // The fixture login of the same user is another session.
    assert_eq!(app.get(ME, Some(&org.reporter_a.token)).await.status, 200);
}

async fn deactivating_a_user_ends_their_sessions_and_logins(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let user = &org.reporter_a;
    let (access, refresh_token) = app.login(&user.email, PASSWORD).await;
    let path = format!("/api/v1/users/{}", user.id);
    let patched = app.patch(&path, Some(&org.admin.token), json!({ "active": false }), None).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["active"], false);

    for token in [&access, &user.token] {
        assert_unauthenticated(&app.get(ME, Some(token)).await);
    }
    assert_unauthenticated(&refresh(&app, &refresh_token).await);
    let sessions = app.count("sessions");
    let login = attempt(&app, &user.email, PASSWORD).await;
    let wrong = attempt(&app, &org.reporter_b.email, "bukan-kata-sandinya").await;
    assert_eq!(assert_unauthenticated(&login), assert_unauthenticated(&wrong));
    assert_eq!(app.count("sessions"), sessions);
    assert_eq!(app.get(ME, Some(&org.reporter_b.token)).await.status, 200);
}

async fn a_new_password_set_by_an_admin_ends_sessions_and_replaces_the_old(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let user = &org.tier1_a;
    let (access, refresh_token) = app.login(&user.email, PASSWORD).await;
    let path = format!("/api/v1/users/{}", user.id);
    let new_password = "kata-sandi-baru-2024";
    let patched = app.patch(&path, Some(&org.admin.token), json!({ "password": new_password }), None).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert!(!patched.text.contains(new_password));
    assert_eq!(patched.body["active"], true);

    for token in [&access, &user.token] {
        assert_unauthenticated(&app.get(ME, Some(token)).await);
    }
    assert_unauthenticated(&refresh(&app, &refresh_token).await);
    assert_unauthenticated(&attempt(&app, &user.email, PASSWORD).await);
    let (fresh, _) = app.login(&user.email, new_password).await;
    assert_eq!(app.get(ME, Some(&fresh)).await.body["id"], user.id.to_string());
    assert_eq!(app.get(ME, Some(&org.admin.token)).await.status, 200);
}

fn sign(algorithm: Algorithm, claims: &Value) -> String {
    encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(TEST_SECRET.as_bytes())).unwrap()
}

async fn expired_tampered_and_foreign_access_tokens_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let (access, refresh_token) = app.login(&org.reporter_a.email, PASSWORD).await;
    let claims = claims_of(&access);
    let now = app.clock.now().timestamp();
    let forged =
        json!({ "sub": claims["sub"], "sid": claims["sid"], "iss": "spbe-desk", "iat": now, "exp": now + 900 });
    // The same claims signed as the server signs them are accepted, so the
    // refusals below are due to the algorithm alone.
    assert_eq!(app.get(ME, Some(&sign(Algorithm::HS256, &forged))).await.status, 200);
    assert_unauthenticated(&app.get(ME, Some(&sign(Algorithm::HS512, &forged))).await);
    assert_unauthenticated(&app.get(ME, Some(&sign(Algorithm::HS384, &forged))).await);
    let mut foreign_issuer = forged.clone();
    foreign_issuer["iss"] = json!("other-desk");
    assert_unauthenticated(&app.get(ME, Some(&sign(Algorithm::HS256, &foreign_issuer))).await);
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = URL_SAFE_NO_PAD.encode(forged.to_string());
    assert_unauthenticated(&app.get(ME, Some(&format!("{none_header}.{none_payload}."))).await);

    let signature_start = access.rfind('.').unwrap() + 1;
    let middle = signature_start + (access.len() - signature_start) / 2;
    let mut tampered = access.clone().into_bytes();
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let resp = app.get(ME, Some(&tampered)).await;
    assert!(assert_unauthenticated(&resp).contains("invalid"), "{}", resp.text);

    let missing = app.get(ME, None).await;
    assert_unauthenticated(&missing);
    let basic = app
        .send(app.client.get(format!("{}{ME}", app.address)).basic_auth(&org.reporter_a.email, Some(PASSWORD)))
        .await;
    assert!(assert_unauthenticated(&basic).contains("Bearer"), "{}", basic.text);

    assert_eq!(app.get(ME, Some(&access)).await.status, 200);
    app.clock.advance(Duration::minutes(16));
    let expired = app.get(ME, Some(&access)).await;
    assert!(assert_unauthenticated(&expired).contains("expired"), "{}", expired.text);
    // The refresh token outlives the access token.
    let (renewed, _) = tokens(&refresh(&app, &refresh_token).await);
    assert_eq!(app.get(ME, Some(&renewed)).await.status, 200);
}

on_both_backends!(
    login_returns_bearer_tokens_and_me_shows_the_user,
    wrong_password_and_unknown_email_are_refused_alike,
    five_failures_lock_the_account_until_the_lockout_ends,
    a_successful_login_clears_the_failure_count,
    concurrent_failed_logins_get_no_more_guesses_than_the_limit,
    reusing_a_refresh_token_ends_its_session_but_not_others,
    concurrent_refreshes_with_one_token_get_the_same_tokens_and_a_late_reuse_ends_the_session,
    tokens_issued_in_the_future_beyond_the_clock_skew_are_refused,
    logout_ends_the_session,
    deactivating_a_user_ends_their_sessions_and_logins,
    a_new_password_set_by_an_admin_ends_sessions_and_replaces_the_old,
    expired_tampered_and_foreign_access_tokens_are_refused,
);
