//! Users: creation by admins, who sees whom, filters, paging and the rules
//! tying roles to units.

use std::collections::HashSet;

use serde_json::{json, Value};
use spbe_desk::domain::role::Role;
use uuid::Uuid;

use crate::errors::{assert_problem_kind, counts, invalid_fields};
use crate::on_both_backends;
use crate::support::{insert_user, spawn_app, Backend, Org, Person, TestApp, PASSWORD};
use crate::units::{list, walk_pages};

fn user_body(email: &str, unit_id: Uuid, roles: &[&str]) -> Value {
    json!({ "name": "Siti Rahmawati", "email": email, "unit_id": unit_id, "roles": roles })
}

fn ids(items: &[Value]) -> HashSet<Uuid> {
    items.iter().map(|u| u["id"].as_str().unwrap().parse().unwrap()).collect()
}

fn ids_of(people: &[&Person]) -> HashSet<Uuid> {
    people.iter().map(|p| p.id).collect()
}

fn everyone(org: &Org) -> HashSet<Uuid> {
    ids_of(&[
        &org.admin,
        &org.auditor,
        &org.supervisor,
        &org.tier2,
        &org.tier1_a,
        &org.tier1_b,
        &org.reporter_a,
        &org.reporter_b,
    ])
}

/// Logs in through the API and reports whether it worked.
async fn logs_in(app: &TestApp, email: &str, password: &str) -> bool {
    let resp = app.post("/api/v1/auth/login", None, json!({ "email": email, "password": password })).await;
    resp.status == 200 && resp.body["access_token"].is_string()
}

/// The version and name of a user, read as the admin.
async fn version_and_name(app: &TestApp, org: &Org, id: Uuid) -> (i64, String) {
    let resp = app.get(&format!("/api/v1/users/{id}"), Some(&org.admin.token)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    (resp.body["version"].as_i64().unwrap(), resp.body["name"].as_str().unwrap().to_owned())
}

async fn a_user_created_without_a_password_gets_one_generated_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let users_before = app.count("users");
    let body = user_body("Siti.Rahmawati@BappedaKab.go.id", org.pd_a, &["reporter", "tier1_technician"]);
    let resp = app.post("/api/v1/users", Some(&org.admin.token), body).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let user = &resp.body["user"];
    let id = user["id"].as_str().unwrap();
    assert_eq!(resp.header("location"), Some(format!("/api/v1/users/{id}").as_str()));
    assert_eq!(resp.header("etag"), Some("\"1\""));
    assert_eq!(user["email"], "siti.rahmawati@bappedakab.go.id");
    assert_eq!(user["unit_id"], org.pd_a.to_string());
    assert_eq!(user["roles"], json!(["reporter", "tier1_technician"]));
    assert_eq!((user["active"].as_bool(), user["version"].as_i64()), (Some(true), Some(1)));
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    let generated = resp.body["generated_password"].as_str().expect("a generated password").to_owned();
    assert!(generated.chars().count() >= 10);
    assert_eq!(app.count("users"), users_before + 1);

    assert!(logs_in(&app, "siti.rahmawati@bappedakab.go.id", &generated).await);
    let read = app.get(&format!("/api/v1/users/{id}"), Some(&org.admin.token)).await;
    assert_eq!(read.status, 200);
    assert!(!read.text.contains(&generated) && read.body.get("generated_password").is_none());
    let audit = app.get(&format!("/api/v1/audit?entity_type=user&entity_id={id}"), Some(&org.auditor.token)).await;
    assert_eq!(audit.body["items"][0]["action"], "user.created");
    assert!(!audit.text.contains(&generated), "the audit log must not hold the password");
}

async fn a_user_created_with_a_password_logs_in_with_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let mut body = user_body("budi@desk.go.id", org.pd_b, &["reporter"]);
    body["password"] = json!("sandi-pilihan-budi");
    let resp = app.post("/api/v1/users", Some(&org.admin.token), body).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    assert_eq!(resp.body["generated_password"], Value::Null);
    assert!(logs_in(&app, "budi@desk.go.id", "sandi-pilihan-budi").await);
    assert!(logs_in(&app, "Budi@Desk.go.id", "sandi-pilihan-budi").await);
    assert!(!logs_in(&app, "budi@desk.go.id", PASSWORD).await);
}

async fn e_mail_addresses_are_unique_regardless_of_case(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let resp =
        app.post("/api/v1/users", Some(&org.admin.token), user_body("Budi@Kab.go.id", org.pd_a, &["reporter"])).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let before = counts(&app);
    for email in ["budi@kab.go.id", "BUDI@KAB.GO.ID", " budi@Kab.Go.Id ", "Admin@Desk.go.id"] {
        let resp = app.post("/api/v1/users", Some(&org.admin.token), user_body(email, org.pd_b, &["reporter"])).await;
        assert_problem_kind(&resp, 409, "conflict");
    }
    // Changing an address to one in use conflicts too.
    let path = format!("/api/v1/users/{}", org.reporter_b.id);
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "email": "REPORTER.A@desk.go.id" }), None).await;
    assert_problem_kind(&resp, 409, "conflict");
    assert_eq!(counts(&app), before);
    assert_eq!(version_and_name(&app, &org, org.reporter_b.id).await.0, 1);
}

async fn each_invalid_user_field_is_named(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let admin = Some(org.admin.token.as_str());
    let cases: [(&str, Value, &str); 6] = [
        ("email", json!("bukan-alamat"), "email"),
        ("email", json!("budi@kab"), "email"),
        ("password", json!("pendek123"), "password"),
        ("password", json!("p".repeat(129)), "password"),
        ("name", json!(" "), "name"),
        ("roles", json!([]), "roles"),
    ];
    for (key, value, field) in cases {
        let mut body = user_body("budi@desk.go.id", org.pd_a, &["reporter"]);
        body[key] = value;
        let resp = app.post("/api/v1/users", admin, body).await;
        assert_eq!(invalid_fields(&resp), [field], "{key}: {}", resp.text);
    }
    let resp = app.post("/api/v1/users", admin, user_body("budi@desk.go.id", org.pd_a, &["root"])).await;
    assert_eq!(invalid_fields(&resp), ["roles[0]"]);
    assert!(resp.body["errors"][0]["message"].as_str().unwrap().contains("root"), "{}", resp.text);

    let all_bad = json!({ "name": "", "email": "x", "unit_id": org.pd_a, "roles": ["reporter"], "password": "short" });
    let resp = app.post("/api/v1/users", admin, all_bad).await;
    assert_eq!(invalid_fields(&resp), ["name", "email", "password"]);

    let path = format!("/api/v1/users/{}", org.reporter_a.id);
    let resp = app.patch(&path, admin, json!({ "email": "x", "password": "short", "roles": [] }), None).await;
    assert_eq!(invalid_fields(&resp), ["email", "roles", "password"]);
    assert_eq!(counts(&app), before);
    assert!(logs_in(&app, &org.reporter_a.email, PASSWORD).await);
}

async fn dinas_only_roles_are_refused_in_a_perangkat_daerah(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    for (unit, roles) in [
        (org.pd_a, &["tier2_engineer"][..]),
        (org.pd_b, &["supervisor"][..]),
        (org.pd_a, &["reporter", "supervisor"][..]),
    ] {
        let resp = app.post("/api/v1/users", Some(&org.admin.token), user_body("budi@desk.go.id", unit, roles)).await;
        assert_eq!(invalid_fields(&resp), ["roles"], "{roles:?}");
    }
    assert_eq!(counts(&app), before);
    let resp = app
        .post(
            "/api/v1/users",
            Some(&org.admin.token),
            user_body("budi@desk.go.id", org.dinas, &["tier2_engineer", "supervisor"]),
        )
        .await;
    assert_eq!(resp.status, 201, "the Dinas may hold them: {}", resp.text);
}

async fn a_user_must_belong_to_an_existing_active_unit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = Some(org.admin.token.as_str());
    let resp = app.patch(&format!("/api/v1/units/{}", org.pd_b), admin, json!({ "active": false }), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let before = counts(&app);
    for unit in [Uuid::now_v7(), org.pd_b] {
        let resp = app.post("/api/v1/users", admin, user_body("budi@desk.go.id", unit, &["reporter"])).await;
        assert_eq!(invalid_fields(&resp), ["unit_id"], "{unit}");
        let path = format!("/api/v1/users/{}", org.reporter_a.id);
        let resp = app.patch(&path, admin, json!({ "unit_id": unit }), None).await;
        assert_eq!(invalid_fields(&resp), ["unit_id"], "{unit}");
    }
    assert_eq!(counts(&app), before);
    assert_eq!(version_and_name(&app, &org, org.reporter_a.id).await.0, 1);
}

async fn a_tier1_technician_sees_only_the_people_of_their_unit(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let token = org.tier1_a.token.as_str();
    let visible = list(&app, "/api/v1/users", token).await;
    assert_eq!(ids(&visible), ids_of(&[&org.tier1_a, &org.reporter_a]));
    assert!(visible.iter().all(|u| u["unit_id"] == org.pd_a.to_string()));
    assert!(list(&app, &format!("/api/v1/users?unit_id={}", org.pd_b), token).await.is_empty());
    let technicians = list(&app, "/api/v1/users?role=tier1_technician", token).await;
    assert_eq!(ids(&technicians), ids_of(&[&org.tier1_a]));

    assert_eq!(app.get(&format!("/api/v1/users/{}", org.reporter_a.id), Some(token)).await.status, 200);
    for hidden in [&org.reporter_b, &org.tier1_b, &org.admin, &org.tier2] {
        let resp = app.get(&format!("/api/v1/users/{}", hidden.id), Some(token)).await;
        assert_problem_kind(&resp, 404, "not-found");
    }
}

async fn a_reporter_sees_only_themself(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let token = org.reporter_a.token.as_str();
    let visible = list(&app, "/api/v1/users", token).await;
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0]["id"], org.reporter_a.id.to_string());
    assert_eq!(list(&app, &format!("/api/v1/users?unit_id={}", org.pd_a), token).await.len(), 1);
    assert_eq!(app.get(&format!("/api/v1/users/{}", org.reporter_a.id), Some(token)).await.status, 200);
    for hidden in [&org.tier1_a, &org.reporter_b, &org.admin] {
        let resp = app.get(&format!("/api/v1/users/{}", hidden.id), Some(token)).await;
        assert_problem_kind(&resp, 404, "not-found");
    }
}

async fn dinas_staff_and_auditors_see_everyone(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for person in [&org.supervisor, &org.tier2, &org.auditor, &org.admin] {
        assert_eq!(ids(&list(&app, "/api/v1/users", &person.token).await), everyone(&org), "{}", person.email);
        for other in [&org.reporter_b, &org.tier1_a, &org.admin] {
            let resp = app.get(&format!("/api/v1/users/{}", other.id), Some(&person.token)).await;
            assert_eq!(resp.status, 200, "{} reading {}: {}", person.email, other.email, resp.text);
            assert_eq!(resp.header("etag"), Some("\"1\""));
        }
    }
}

async fn only_admins_change_users(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let attempts = [
        (&org.tier1_a, &org.reporter_a),
        (&org.tier1_a, &org.tier1_a),
        (&org.reporter_a, &org.reporter_a),
        (&org.reporter_a, &org.reporter_b),
        (&org.auditor, &org.reporter_b),
        (&org.supervisor, &org.tier1_b),
        (&org.tier2, &org.reporter_a),
    ];
    for (actor, target) in attempts {
        let path = format!("/api/v1/users/{}", target.id);
        let changes = json!({ "name": "Diubah", "roles": ["admin"] });
        let resp = app.patch(&path, Some(&actor.token), changes, Some("\"1\"")).await;
        assert_problem_kind(&resp, 403, "forbidden");
        let body = user_body("baru@desk.go.id", org.pd_a, &["admin"]);
        assert_problem_kind(&app.post("/api/v1/users", Some(&actor.token), body).await, 403, "forbidden");
    }
    assert_eq!(counts(&app), before);
    for person in [&org.reporter_a, &org.reporter_b, &org.tier1_a, &org.tier1_b] {
        let resp = app.get(&format!("/api/v1/users/{}", person.id), Some(&org.admin.token)).await;
        assert_eq!(resp.body["version"], 1);
        assert_ne!(resp.body["name"], "Diubah");
        assert!(!resp.body["roles"].as_array().unwrap().contains(&json!("admin")));
    }
}

async fn users_are_filtered_by_unit_role_activity_and_text(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let admin = org.admin.token.as_str();
    let resp = app
        .post(
            "/api/v1/users",
            Some(admin),
            user_body("siti@bappedakab.go.id", org.pd_a, &["reporter", "change_approver"]),
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let siti: Uuid = resp.body["user"]["id"].as_str().unwrap().parse().unwrap();
    let path = format!("/api/v1/users/{}", org.reporter_b.id);
    assert_eq!(app.patch(&path, Some(admin), json!({ "active": false }), None).await.status, 200);

    let token = org.supervisor.token.as_str();
    let by_unit = list(&app, &format!("/api/v1/users?unit_id={}", org.pd_a), token).await;
    let mut pd_a = ids_of(&[&org.tier1_a, &org.reporter_a]);
    pd_a.insert(siti);
    assert_eq!(ids(&by_unit), pd_a);
    let mut reporters = ids_of(&[&org.reporter_a, &org.reporter_b]);
    reporters.insert(siti);
    assert_eq!(ids(&list(&app, "/api/v1/users?role=reporter", token).await), reporters);
    assert_eq!(ids(&list(&app, "/api/v1/users?role=change_approver", token).await), HashSet::from([siti]));
    assert_eq!(ids(&list(&app, "/api/v1/users?role=admin", token).await), ids_of(&[&org.admin]));
    assert_eq!(ids(&list(&app, "/api/v1/users?active=false", token).await), ids_of(&[&org.reporter_b]));
    let active = ids(&list(&app, "/api/v1/users?active=true&role=reporter", token).await);
    assert_eq!(active, HashSet::from([org.reporter_a.id, siti]));
    assert_eq!(ids(&list(&app, "/api/v1/users?q=RAHMAWATI", token).await), HashSet::from([siti]));
    assert_eq!(ids(&list(&app, "/api/v1/users?q=Reporter.B%40", token).await), ids_of(&[&org.reporter_b]));
    assert!(list(&app, "/api/v1/users?q=%25", token).await.is_empty());
    let combined = format!("/api/v1/users?q=desk.go.id&unit_id={}&role=tier1_technician", org.pd_b);
    assert_eq!(ids(&list(&app, &combined, token).await), ids_of(&[&org.tier1_b]));
}

async fn pages_walk_every_visible_user_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    for n in 0..5 {
        insert_user(&app.db, org.pd_a, &format!("staf{n}@bappedakab.go.id"), &[Role::Reporter]);
    }
    for (person, limit, expected_sizes, expected_total) in
        [(&org.admin, 5, vec![5, 5, 3], 13), (&org.tier1_a, 3, vec![3, 3, 1], 7)]
    {
        let (sizes, seen) = walk_pages(&app, &format!("/api/v1/users?limit={limit}"), &person.token).await;
        assert_eq!(sizes, expected_sizes, "{}", person.email);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), expected_total, "a user appeared twice");
        let all = list(&app, "/api/v1/users?limit=200", &person.token).await;
        let all: Vec<String> = all.iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(seen, all);
    }
}

async fn supervision_cannot_be_granted_inside_a_perangkat_daerah(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    let path = format!("/api/v1/users/{}", org.tier1_a.id);
    for roles in [json!(["tier1_technician", "supervisor"]), json!(["tier2_engineer"])] {
        let resp = app.patch(&path, Some(&org.admin.token), json!({ "roles": roles }), Some("\"1\"")).await;
        assert_eq!(invalid_fields(&resp), ["roles"]);
    }
    assert_eq!(counts(&app), before);
    let user = app.get(&path, Some(&org.admin.token)).await;
    assert_eq!((user.body["roles"].clone(), user.body["version"].as_i64()), (json!(["tier1_technician"]), Some(1)));
}

async fn a_tier2_engineer_cannot_move_to_a_perangkat_daerah(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let before = counts(&app);
    for person in [&org.tier2, &org.supervisor] {
        let path = format!("/api/v1/users/{}", person.id);
        let resp = app.patch(&path, Some(&org.admin.token), json!({ "unit_id": org.pd_a }), None).await;
        assert_eq!(invalid_fields(&resp), ["roles"], "{}", person.email);
        let user = app.get(&path, Some(&org.admin.token)).await;
        assert_eq!(
            (user.body["unit_id"].as_str(), user.body["version"].as_i64()),
            (Some(org.dinas.to_string().as_str()), Some(1))
        );
    }
    assert_eq!(counts(&app), before);
    // Moving together with giving up the Dinas role is allowed.
    let path = format!("/api/v1/users/{}", org.tier2.id);
    let changes = json!({ "unit_id": org.pd_a, "roles": ["tier1_technician"] });
    let resp = app.patch(&path, Some(&org.admin.token), changes, Some("\"1\"")).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.header("etag"), Some("\"2\""));
}

async fn a_stale_if_match_on_a_user_is_412_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let org = app.org().await;
    let path = format!("/api/v1/users/{}", org.reporter_a.id);
    let resp = app.patch(&path, Some(&org.admin.token), json!({ "name": "Nama Pertama" }), Some("\"1\"")).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!((resp.header("etag"), resp.body["version"].as_i64()), (Some("\"2\""), Some(2)));
    let before = counts(&app);
    for stale in ["\"1\"", "\"7\"", "\"bukan-tag\""] {
        let changes = json!({ "name": "Nama Kedua", "password": "sandi-baru-sekali" });
        let resp = app.patch(&path, Some(&org.admin.token), changes, Some(stale)).await;
        assert_problem_kind(&resp, 412, "stale-version");
    }
    assert_eq!(counts(&app), before);
    assert_eq!(version_and_name(&app, &org, org.reporter_a.id).await, (2, "Nama Pertama".to_owned()));
    let unknown = format!("/api/v1/users/{}", Uuid::now_v7());
    let resp = app.patch(&unknown, Some(&org.admin.token), json!({ "name": "Hantu" }), None).await;
    assert_problem_kind(&resp, 404, "not-found");
    assert_eq!(counts(&app), before);
    assert!(logs_in(&app, &org.reporter_a.email, PASSWORD).await, "the password must not have changed");
}

async fn the_last_active_admin_cannot_demote_or_deactivate_themselves(backend: Backend) {
    let Some(app) = crate::support::spawn_app(backend).await else { return };
    let org = app.org().await;
    let me = format!("/api/v1/users/{}", org.admin.id);
    let admin = Some(org.admin.token.as_str());
    let demote = app.patch(&me, admin, serde_json::json!({ "roles": ["auditor"] }), None).await;
    demote.assert_problem(409);
    assert!(demote.text.contains("last active admin"), "{}", demote.text);
    app.patch(&me, admin, serde_json::json!({ "active": false }), None).await.assert_problem(409);
    // With a second admin, the first may step down.
    let second =
        crate::support::insert_user(&app.db, org.dinas, "admin2@desk.go.id", &[spbe_desk::domain::role::Role::Admin]);
    let other = format!("/api/v1/users/{second}");
    assert_eq!(app.get(&other, admin).await.status, 200);
    let stepped_down = app.patch(&me, admin, serde_json::json!({ "roles": ["auditor"] }), None).await;
    assert_eq!(stepped_down.status, 200, "{}", stepped_down.text);
}

on_both_backends!(
    the_last_active_admin_cannot_demote_or_deactivate_themselves,
    a_user_created_without_a_password_gets_one_generated_once,
    a_user_created_with_a_password_logs_in_with_it,
    e_mail_addresses_are_unique_regardless_of_case,
    each_invalid_user_field_is_named,
    dinas_only_roles_are_refused_in_a_perangkat_daerah,
    a_user_must_belong_to_an_existing_active_unit,
    a_tier1_technician_sees_only_the_people_of_their_unit,
    a_reporter_sees_only_themself,
    dinas_staff_and_auditors_see_everyone,
    only_admins_change_users,
    users_are_filtered_by_unit_role_activity_and_text,
    pages_walk_every_visible_user_exactly_once,
    supervision_cannot_be_granted_inside_a_perangkat_daerah,
    a_tier2_engineer_cannot_move_to_a_perangkat_daerah,
    a_stale_if_match_on_a_user_is_412_and_changes_nothing,
);
