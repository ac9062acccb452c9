//! `seed --demo`: a plausible region (Kabupaten Majene, WITA) to try the API
//! with (its data: [`region`]; its published articles: [`knowledge`]; its
//! register of TIK assets: [`assets`]).
//! Idempotent: what exists (by unit code, e-mail, template name or article
//! title) is left alone, and a unit without a head gets
//! its demo head, so a region seeded by an earlier release is completed.

mod assets;
pub(crate) mod knowledge;
mod region;

use chrono::Utc;

use crate::auth::{password, secrets};
use crate::db::calendars::{self, CalendarDraft, StoredSpecial};
use crate::db::{services, units, users, Db, DbConnection};
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;
use crate::domain::organisation::UnitChanges;
use crate::domain::organisation::{NewUnit, TimeZone, UnitKind};
use crate::domain::password::NewPassword;
use crate::domain::role::RoleSet;
use crate::domain::service::{NewService, Platform};
use crate::domain::sla::holiday::indonesia_2026;
use crate::domain::sla::spec::WeekSpec;
use crate::domain::sla::WeekSchedule;
use crate::domain::text::{Code, DisplayName};
use crate::domain::user::NewUser;
use crate::domain::version::Precondition;
use region::{CatalogEntry, Person, TemplateEntry, DOMAIN, WITA_CALENDAR, ZONE};

fn ensure_unit(
    conn: &mut DbConnection,
    ctx: &Context,
    kind: UnitKind,
    code: &str,
    name: &str,
    mandiri_tik: bool,
) -> Result<(), String> {
    if units::find_by_code(conn, code).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    let mailbox = format!("helpdesk.{}@{DOMAIN}", code.to_lowercase());
    let new = NewUnit {
        kind,
        code: Code::parse(code).map_err(|e| e.to_string())?,
        name: DisplayName::parse(name).map_err(|e| e.to_string())?,
        mandiri_tik,
        time_zone: TimeZone::parse(ZONE).map_err(|e| e.to_string())?,
        mailbox: EmailAddress::parse(&mailbox).map_err(|e| e.to_string())?,
        calendar_id: calendars::find_by_name(conn, WITA_CALENDAR).map_err(|e| e.to_string())?.map(|c| c.id),
    };
    units::insert(conn, ctx, &new).map_err(|e| e.to_string())?;
    println!("unit   {code:<12} {name}");
    Ok(())
}

fn ensure_service(conn: &mut DbConnection, ctx: &Context, entry: CatalogEntry) -> Result<(), String> {
    let (code, name, category, owner, platform, application, direct_tier2) = entry;
    if services::find_by_code(conn, code).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    let owner = units::find_by_code(conn, owner)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("seed unit {owner} is missing"))?;
    let new = NewService {
        code: Code::parse(code).map_err(|e| e.to_string())?,
        name: DisplayName::parse(name).map_err(|e| e.to_string())?,
        description: String::new(),
        category,
        owner_unit_id: owner.id,
        platform,
        application_name: application.map(DisplayName::parse).transpose().map_err(|e| e.to_string())?,
        direct_tier2,
        calendar_id: None,
        sla_policy_id: None,
        // Applications run in the region's data centre, reached over its network.
        depends_on: if platform.is_application() {
            vec![Platform::PusatData, Platform::JaringanIntra]
        } else {
            Vec::new()
        },
    };
    services::insert(conn, ctx, &new).map_err(|e| e.to_string())?;
    println!("service {code:<14} {name}");
    Ok(())
}

/// The Perpres 21/2023 week in each Indonesian zone, with the 2026
/// holidays and Ramadan 1447 H hours (dates as decided for 2026; an operator
/// adjusts them through the API).
fn ensure_calendars(conn: &mut DbConnection, ctx: &Context) -> Result<(), String> {
    let ramadan = StoredSpecial {
        name: "Ramadan 1447 H".to_owned(),
        from: chrono::NaiveDate::from_ymd_opt(2026, 2, 18).ok_or("date")?,
        to: chrono::NaiveDate::from_ymd_opt(2026, 3, 19).ok_or("date")?,
        week: WeekSpec::from(&WeekSchedule::ramadan()),
    };
    for (zone, label) in [("Asia/Jakarta", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT")] {
        let name = format!("Jam kerja Perpres 21/2023 {label}");
        if calendars::find_by_name(conn, &name).map_err(|e| e.to_string())?.is_some() {
            continue;
        }
        let draft = CalendarDraft {
            name: name.clone(),
            time_zone: zone.to_owned(),
            week: WeekSpec::from(&WeekSchedule::perpres_21_2023()),
            specials: vec![ramadan.clone()],
        };
        // One transaction, so an interrupted seed never leaves a calendar
        // without its holidays (a rerun skips calendars by name).
        crate::db::write_tx(conn, |conn| {
            let calendar = calendars::insert(conn, ctx, &draft)?;
            calendars::import_holidays(conn, ctx, calendar.id, &Precondition::None, &indonesia_2026())
        })
        .map_err(|e: crate::db::StoreError| e.to_string())?;
        println!("calendar {name}");
    }
    Ok(())
}

/// The default SLA policy for the region.
fn ensure_policy(conn: &mut DbConnection, ctx: &Context) -> Result<(), String> {
    const NAME: &str = "SLA layanan TIK daerah";
    if crate::db::sla_policies::find_by_name(conn, NAME).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    let draft = crate::db::sla_policies::PolicyDraft {
        name: NAME.to_owned(),
        description: "Target respons dan penyelesaian per prioritas, dalam jam kerja unit.".to_owned(),
        policy: crate::domain::sla::policy::SlaPolicy::regional_default(),
        is_default: true,
    };
    crate::db::sla_policies::insert(conn, ctx, &draft).map_err(|e| e.to_string())?;
    println!("policy {NAME} (default)");
    Ok(())
}

fn ensure_user(
    conn: &mut DbConnection,
    ctx: &Context,
    person: Person,
    password: Option<&NewPassword>,
) -> Result<(), String> {
    let (unit_code, name, local, roles) = person;
    let email = EmailAddress::parse(&format!("{local}@{DOMAIN}")).map_err(|e| e.to_string())?;
    if users::find_for_login(conn, email.as_str()).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    let unit = units::find_by_code(conn, unit_code)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("seed unit {unit_code} is missing"))?;
    let chosen = match password {
        Some(given) => given.clone(),
        None => NewPassword::parse(&secrets::random_token()).map_err(|e| e.to_string())?,
    };
    let new = NewUser {
        name: DisplayName::parse(name).map_err(|e| e.to_string())?,
        email,
        unit_id: unit.id,
        roles: RoleSet::new(roles.iter().copied()).map_err(|e| e.to_string())?,
    };
    users::insert(conn, ctx, &new, Some(password::hash(&chosen)?)).map_err(|e| e.to_string())?;
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    println!("user   {:<38} {:<44} {}", new.email.as_str(), chosen.expose(), roles.join(","));
    Ok(())
}

/// Names the demo head of a unit that has none (one named by an operator
/// is kept).
fn ensure_head(conn: &mut DbConnection, ctx: &Context, code: &str, name: &str) -> Result<(), String> {
    let unit = units::find_by_code(conn, code)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("seed unit {code} is missing"))?;
    if unit.head_email.is_some() {
        return Ok(());
    }
    let email = EmailAddress::parse(&format!("kepala.{}@{DOMAIN}", code.to_lowercase())).map_err(|e| e.to_string())?;
    let changes = UnitChanges {
        head_name: Some(Some(DisplayName::parse(name).map_err(|e| e.to_string())?)),
        head_email: Some(Some(email.clone())),
        ..UnitChanges::default()
    };
    units::update(conn, ctx, unit.id, &Precondition::None, &changes).map_err(|e| e.to_string())?;
    println!("head   {code:<12} {name} <{}>", email.as_str());
    Ok(())
}

/// A template of standard changes, by name.
fn ensure_template(conn: &mut DbConnection, ctx: &Context, entry: TemplateEntry) -> Result<(), String> {
    use crate::db::changes::templates::{self, TemplateDraft};
    let (service, name, scope, title, description, implementation_plan, test_plan, rollback_plan) = entry;
    // The demo has a handful; a page of 200 holds them all.
    let existing = templates::list(conn, None, None, 200).map_err(|e| e.to_string())?;
    if existing.iter().any(|t| t.name == name) {
        return Ok(());
    }
    let service = services::find_by_code(conn, service)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("seed service {service} is missing"))?;
    let draft = TemplateDraft {
        service_id: service.id,
        name: name.to_owned(),
        scope,
        title: title.to_owned(),
        description: description.to_owned(),
        implementation_plan: implementation_plan.to_owned(),
        test_plan: test_plan.to_owned(),
        rollback_plan: rollback_plan.to_owned(),
        active: true,
    };
    templates::insert(conn, ctx, &draft).map_err(|e| e.to_string())?;
    println!("template {name}");
    Ok(())
}

/// Creates the demo region; prints each new user's password once. With
/// `password`, every user it creates gets that one (a trial region whose
/// logins a walk-through can type); without, each gets a random one.
pub fn demo(db: &Db, password: Option<&NewPassword>) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let ctx = Context::system(Utc::now());
    let (dinas_code, dinas_name) = region::DINAS;
    if let Some(dinas) = units::find_dinas(&mut conn).map_err(|e| e.to_string())? {
        if dinas.code != dinas_code {
            return Err(format!(
                "this database already has a Dinas ({}); the demo seed needs an empty or demo database",
                dinas.code
            ));
        }
    }
    ensure_calendars(&mut conn, &ctx)?;
    ensure_policy(&mut conn, &ctx)?;
    ensure_unit(&mut conn, &ctx, UnitKind::Dinas, dinas_code, dinas_name, true)?;
    for (code, name, mandiri_tik) in region::PERANGKAT_DAERAH {
        ensure_unit(&mut conn, &ctx, UnitKind::PerangkatDaerah, code, name, mandiri_tik)?;
    }
    for (code, name) in region::HEADS {
        ensure_head(&mut conn, &ctx, code, name)?;
    }
    for entry in region::CATALOG {
        ensure_service(&mut conn, &ctx, entry)?;
    }
    for entry in region::TEMPLATES {
        ensure_template(&mut conn, &ctx, entry)?;
    }
    if password.is_none() {
        println!("\nPasswords are shown once; store them now.");
    }
    for person in region::PEOPLE {
        ensure_user(&mut conn, &ctx, person, password)?;
    }
    knowledge::ensure_articles(&mut conn)?;
    assets::ensure_assets(&mut conn)?;
    Ok(())
}
