//! `seed --demo`: a plausible region (Kabupaten Majene, WITA) to try the API
//! with. Idempotent: what exists (by unit code or e-mail) is left alone.

use chrono::Utc;

use crate::auth::{password, secrets};
use crate::db::calendars::{self, CalendarDraft, StoredSpecial};
use crate::db::{services, units, users, Db, DbConnection};
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;
use crate::domain::organisation::{NewUnit, TimeZone, UnitKind};
use crate::domain::password::NewPassword;
use crate::domain::role::{Role, RoleSet};
use crate::domain::service::{NewService, Platform, ServiceCategory};
use crate::domain::sla::holiday::indonesia_2026;
use crate::domain::sla::spec::WeekSpec;
use crate::domain::sla::WeekSchedule;
use crate::domain::text::{Code, DisplayName};
use crate::domain::user::NewUser;
use crate::domain::version::Precondition;

const ZONE: &str = "Asia/Makassar";
const DOMAIN: &str = "majenekab.go.id";
/// Majene is in WITA; its units work on this calendar.
const WITA_CALENDAR: &str = "Jam kerja Perpres 21/2023 WITA";

/// (code, name, Mandiri TIK)
const PERANGKAT_DAERAH: [(&str, &str, bool); 8] = [
    ("SETDA", "Sekretariat Daerah", false),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", false),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", false),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", false),
    ("DINKES", "Dinas Kesehatan", false),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", true),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", false),
    ("INSPEKTORAT", "Inspektorat Daerah", false),
];

/// (code, name, category, owner unit, platform, application, direct to tier 2)
type CatalogEntry = (&'static str, &'static str, ServiceCategory, &'static str, Platform, Option<&'static str>, bool);

const CATALOG: [CatalogEntry; 12] = {
    use Platform::*;
    use ServiceCategory::{AdministrasiPemerintahan as Adm, Publik};
    [
        ("SRIKANDI", "Naskah Dinas Elektronik (SRIKANDI)", Adm, "SETDA", AplikasiUmum, Some("SRIKANDI"), false),
        (
            "SIMPEG",
            "Sistem Informasi Manajemen Kepegawaian",
            Adm,
            "BKPSDM",
            AplikasiKhusus,
            Some("SIMPEG Majene"),
            false,
        ),
        ("SIPD", "Sistem Informasi Pemerintahan Daerah", Adm, "BAPPEDA", AplikasiUmum, Some("SIPD RI"), false),
        ("WEBSITE-PD", "Website Perangkat Daerah", Publik, "DISKOMINFO", AplikasiKhusus, Some("CMS Website PD"), false),
        ("EMAIL-DINAS", "Email Dinas @majenekab.go.id", Adm, "DISKOMINFO", AplikasiKhusus, Some("Surel Pemda"), true),
        ("JARINGAN-INTRA", "Jaringan Intra Pemerintah Daerah", Adm, "DISKOMINFO", JaringanIntra, None, true),
        ("PUSAT-DATA", "Pusat Data Daerah (hosting dan kolokasi)", Adm, "DISKOMINFO", PusatData, None, true),
        ("SPLP", "Sistem Penghubung Layanan Pemerintah", Adm, "DISKOMINFO", SistemPenghubungLayanan, None, true),
        ("SP4N-LAPOR", "Pengaduan Publik SP4N-LAPOR!", Publik, "DISKOMINFO", AplikasiUmum, Some("SP4N-LAPOR!"), false),
        (
            "SIAK",
            "Sistem Informasi Administrasi Kependudukan",
            Publik,
            "DISDUKCAPIL",
            AplikasiUmum,
            Some("SIAK Terpusat"),
            false,
        ),
        ("SIMPUS", "Sistem Informasi Manajemen Puskesmas", Publik, "DINKES", AplikasiKhusus, Some("SIMPUS"), false),
        ("OSS-RBA", "Perizinan Berusaha Berbasis Risiko", Publik, "DPMPTSP", AplikasiUmum, Some("OSS-RBA"), false),
    ]
};

/// (unit code, name, e-mail local part, roles)
const PEOPLE: [(&str, &str, &str, &[Role]); 15] = [
    ("DISKOMINFO", "Andi Rahmat Hidayat", "admin", &[Role::Admin]),
    ("DISKOMINFO", "Nurhayati Syamsuddin", "supervisor", &[Role::Supervisor]),
    ("DISKOMINFO", "Muhammad Irfan Saleh", "tier2.irfan", &[Role::Tier2Engineer]),
    ("DISKOMINFO", "Sitti Aminah Basri", "tier2.aminah", &[Role::Tier2Engineer]),
    ("DISKOMINFO", "Ahmad Fauzi Rasyid", "approver", &[Role::ChangeApprover]),
    ("INSPEKTORAT", "Rahmawati Yusuf", "auditor", &[Role::Auditor]),
    ("BAPPEDA", "Hendra Gunawan", "tier1.bappeda", &[Role::Tier1Technician]),
    ("BAPPEDA", "Fitriani Arifin", "fitriani", &[Role::Reporter]),
    // A board member from outside the Dinas: the board seat of a change the
    // Dinas raises is not the Dinas's own (segregation of duties).
    ("BAPPEDA", "Irwan Mappaita", "approver.bappeda", &[Role::ChangeApprover]),
    ("BKPSDM", "Syahrul Ramadhan", "tier1.bkpsdm", &[Role::Tier1Technician]),
    ("BKPSDM", "Dewi Kartika Sari", "dewi", &[Role::Reporter]),
    ("DISDUKCAPIL", "Agus Salim Mappiasse", "tier1.disdukcapil", &[Role::Tier1Technician]),
    ("DISDUKCAPIL", "Hasniah Abdullah", "hasniah", &[Role::Reporter]),
    ("DINKES", "Rudi Hartono", "tier1.dinkes", &[Role::Tier1Technician, Role::Reporter]),
    ("SETDA", "Marlina Tahir", "marlina", &[Role::Reporter, Role::ChangeApprover]),
];

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

fn ensure_user(conn: &mut DbConnection, ctx: &Context, person: (&str, &str, &str, &[Role])) -> Result<(), String> {
    let (unit_code, name, local, roles) = person;
    let email = EmailAddress::parse(&format!("{local}@{DOMAIN}")).map_err(|e| e.to_string())?;
    if users::find_for_login(conn, email.as_str()).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    let unit = units::find_by_code(conn, unit_code)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("seed unit {unit_code} is missing"))?;
    let chosen = NewPassword::parse(&secrets::random_token()).map_err(|e| e.to_string())?;
    let new = NewUser {
        name: DisplayName::parse(name).map_err(|e| e.to_string())?,
        email,
        unit_id: unit.id,
        roles: RoleSet::new(roles.iter().copied()).map_err(|e| e.to_string())?,
    };
    users::insert(conn, ctx, &new, Some(password::hash(&chosen)?)).map_err(|e| e.to_string())?;
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    println!("user   {:<34} {:<44} {}", new.email.as_str(), chosen.expose(), roles.join(","));
    Ok(())
}

/// Creates the demo region; prints each new user's password once.
pub fn demo(db: &Db) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let ctx = Context::system(Utc::now());
    if let Some(dinas) = units::find_dinas(&mut conn).map_err(|e| e.to_string())? {
        if dinas.code != "DISKOMINFO" {
            return Err(format!(
                "this database already has a Dinas ({}); the demo seed needs an empty or demo database",
                dinas.code
            ));
        }
    }
    ensure_calendars(&mut conn, &ctx)?;
    ensure_policy(&mut conn, &ctx)?;
    ensure_unit(&mut conn, &ctx, UnitKind::Dinas, "DISKOMINFO", "Dinas Komunikasi, Informatika dan Persandian", true)?;
    for (code, name, mandiri_tik) in PERANGKAT_DAERAH {
        ensure_unit(&mut conn, &ctx, UnitKind::PerangkatDaerah, code, name, mandiri_tik)?;
    }
    for entry in CATALOG {
        ensure_service(&mut conn, &ctx, entry)?;
    }
    println!("\nPasswords are shown once; store them now.");
    for person in PEOPLE {
        ensure_user(&mut conn, &ctx, person)?;
    }
    Ok(())
}
