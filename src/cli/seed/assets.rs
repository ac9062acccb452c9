//! The demo region's register of TIK assets: the Dinas's data centre,
//! network and servers, every Layanan SPBE's application, licences, and
//! the desks and network of two Perangkat Daerah, related so that the
//! impact of the core router, a server or a licence is true. Registered
//! by the Dinas's tier-2 engineer through the journal, as through the API;
//! an asset whose inventory code exists, or a relation that exists, is left
//! alone. Applications and infrastructure carry the codes the migration
//! gives them (`APL-<service>`, `SPBE-<word>`), so an upgraded region is
//! completed, not doubled.

use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};

use crate::db::assets::{self, relations, write};
use crate::db::{services, units, DbConnection};
use crate::domain::asset::{AssetAttributes, AssetKind, AssetStatus, InventoryCode, RelationKind};
use crate::domain::journal::Context;
use crate::domain::policy::Principal;

/// (inventory code, name, kind, owner unit, service, location, acquired, attributes)
type SeedAsset = (&'static str, &'static str, AssetKind, &'static str, Option<&'static str>, &'static str, &'static str, fn() -> Value);

const DC: &str = "Ruang server Pusat Data, Kantor Diskominfo Majene";

const REGISTER: [SeedAsset; 28] = {
    use AssetKind::*;
    [
        ("SPBE-PUSAT-DATA", "Pusat Data Daerah Majene", PusatData, "DISKOMINFO", Some("PUSAT-DATA"), DC, "2021-08-01",
            || json!({ "tier": 2, "address": "Jl. Ammana Wewang, Majene" })),
        ("SPBE-JARINGAN-INTRA", "Jaringan Intra Pemerintah Daerah", JaringanIntra, "DISKOMINFO", Some("JARINGAN-INTRA"), DC, "2021-08-01",
            || json!({ "bandwidth_mbps": 500, "provider": "Telkom Indonesia" })),
        ("SPBE-SISTEM-PENGHUBUNG-LAYANAN", "Sistem Penghubung Layanan Pemerintah", SistemPenghubungLayanan, "DISKOMINFO", Some("SPLP"), DC, "2023-02-01",
            || json!({})),
        ("1.3.2.10.02.03.001/0001", "Router inti Pusat Data", PerangkatJaringan, "DISKOMINFO", None, DC, "2022-03-14",
            || json!({ "role": "router", "ports": 8, "management_ip": "10.0.0.1" })),
        ("1.3.2.10.02.03.002/0001", "Firewall perimeter", PerangkatJaringan, "DISKOMINFO", None, DC, "2022-03-14",
            || json!({ "role": "firewall", "ports": 8, "management_ip": "10.0.0.2" })),
        ("1.3.2.10.02.03.003/0001", "Switch inti Pusat Data", PerangkatJaringan, "DISKOMINFO", None, DC, "2022-03-14",
            || json!({ "role": "switch", "ports": 48, "management_ip": "10.0.0.3" })),
        ("1.3.2.10.01.01.001/0001", "Server aplikasi 1", Server, "DISKOMINFO", None, DC, "2022-05-20",
            || json!({ "cpu_cores": 32, "memory_gb": 128, "storage_gb": 4000, "operating_system": "Ubuntu Server 22.04", "ip_address": "10.0.10.11" })),
        ("1.3.2.10.01.01.001/0002", "Server basis data", Server, "DISKOMINFO", None, DC, "2022-05-20",
            || json!({ "cpu_cores": 32, "memory_gb": 256, "storage_gb": 8000, "operating_system": "Ubuntu Server 22.04", "ip_address": "10.0.10.12" })),
        ("1.3.2.10.01.01.001/0003", "Server web", Server, "DISKOMINFO", None, DC, "2023-04-11",
            || json!({ "cpu_cores": 16, "memory_gb": 64, "operating_system": "Debian 12", "ip_address": "10.0.10.13" })),
        ("1.3.2.10.01.01.001/0004", "Server surel", Server, "DISKOMINFO", None, DC, "2023-04-11",
            || json!({ "cpu_cores": 16, "memory_gb": 64, "operating_system": "Windows Server 2022", "ip_address": "10.0.10.14" })),
        ("LIS-WINSRV-2022", "Lisensi Windows Server 2022 Standard", Lisensi, "DISKOMINFO", None, DC, "2023-04-11",
            || json!({ "seats": 2, "expires_on": "2027-04-10", "vendor": "Microsoft" })),
        ("APL-SRIKANDI", "SRIKANDI", Aplikasi, "SETDA", Some("SRIKANDI"), "Layanan pusat (ANRI)", "2022-01-10",
            || json!({ "url": "https://srikandi.arsip.go.id", "developer": "ANRI" })),
        ("APL-SIMPEG", "SIMPEG Majene", Aplikasi, "BKPSDM", Some("SIMPEG"), DC, "2020-07-01",
            || json!({ "url": "https://simpeg.majenekab.go.id", "technology": "PHP, PostgreSQL" })),
        ("APL-SIPD", "SIPD RI", Aplikasi, "BAPPEDA", Some("SIPD"), "Layanan pusat (Kemendagri)", "2021-01-04",
            || json!({ "url": "https://sipd.kemendagri.go.id", "developer": "Kemendagri" })),
        ("APL-WEBSITE-PD", "CMS Website PD", Aplikasi, "DISKOMINFO", Some("WEBSITE-PD"), DC, "2021-09-01",
            || json!({ "url": "https://majenekab.go.id", "technology": "WordPress" })),
        ("APL-EMAIL-DINAS", "Surel Pemda", Aplikasi, "DISKOMINFO", Some("EMAIL-DINAS"), DC, "2023-04-11",
            || json!({ "technology": "Microsoft Exchange" })),
        ("APL-SP4N-LAPOR", "SP4N-LAPOR!", Aplikasi, "DISKOMINFO", Some("SP4N-LAPOR"), "Layanan pusat (KemenPAN-RB)", "2020-02-01",
            || json!({ "url": "https://www.lapor.go.id" })),
        ("APL-SIAK", "SIAK Terpusat", Aplikasi, "DISDUKCAPIL", Some("SIAK"), "Layanan pusat (Ditjen Dukcapil)", "2019-01-02",
            || json!({ "developer": "Ditjen Dukcapil" })),
        ("APL-OSS-RBA", "OSS-RBA", Aplikasi, "DPMPTSP", Some("OSS-RBA"), "Layanan pusat (Kementerian Investasi)", "2021-08-02",
            || json!({ "url": "https://oss.go.id" })),
        ("APL-SIMPUS", "SIMPUS", Aplikasi, "DINKES", Some("SIMPUS"), DC, "2022-10-03",
            || json!({ "technology": "PHP, MySQL" })),
        ("1.3.2.10.02.03.003/0002", "Switch akses BAPPEDA", PerangkatJaringan, "BAPPEDA", None, "Ruang jaringan BAPPEDA", "2022-06-01",
            || json!({ "role": "switch", "ports": 24 })),
        ("1.3.2.10.01.02.001/0001", "PC perencana 1", Pc, "BAPPEDA", None, "Bidang Perencanaan, BAPPEDA", "2023-01-16",
            || json!({ "processor": "Intel Core i5", "memory_gb": 16, "operating_system": "Windows 11 Pro" })),
        ("1.3.2.10.01.02.002/0001", "Laptop Kepala Bidang", Laptop, "BAPPEDA", None, "Bidang Perencanaan, BAPPEDA", "2024-02-05",
            || json!({ "processor": "Intel Core i7", "memory_gb": 16, "operating_system": "Windows 11 Pro" })),
        ("1.3.2.10.02.01.001/0001", "Printer jaringan BAPPEDA", Printer, "BAPPEDA", None, "Sekretariat BAPPEDA", "2022-06-01",
            || json!({ "colour": true, "networked": true })),
        ("LIS-ANTIVIRUS-BAPPEDA", "Lisensi antivirus BAPPEDA", Lisensi, "BAPPEDA", None, "Sekretariat BAPPEDA", "2026-02-01",
            || json!({ "seats": 25, "expires_on": "2027-01-31", "vendor": "ESET" })),
        ("1.3.2.10.02.03.003/0003", "Switch akses Dinas Kesehatan", PerangkatJaringan, "DINKES", None, "Ruang jaringan Dinkes", "2022-06-01",
            || json!({ "role": "switch", "ports": 24 })),
        ("1.3.2.10.01.02.001/0002", "PC pengelola SIMPUS", Pc, "DINKES", None, "Bidang Pelayanan Kesehatan, Dinkes", "2023-01-16",
            || json!({ "processor": "Intel Core i5", "memory_gb": 8, "operating_system": "Windows 11 Pro" })),
        ("SW-OFFICE-BAPPEDA", "Aplikasi perkantoran BAPPEDA", PerangkatLunak, "BAPPEDA", None, "Sekretariat BAPPEDA", "2024-02-05",
            || json!({ "vendor": "LibreOffice", "version": "24.2" })),
    ]
};

/// (from, relation, to): "from needs to".
const RELATIONS: [(&str, RelationKind, &str); 32] = {
    use RelationKind::*;
    let (router, firewall, core, app1, db, web, mail) = (
        "1.3.2.10.02.03.001/0001", "1.3.2.10.02.03.002/0001", "1.3.2.10.02.03.003/0001", "1.3.2.10.01.01.001/0001",
        "1.3.2.10.01.01.001/0002", "1.3.2.10.01.01.001/0003", "1.3.2.10.01.01.001/0004",
    );
    let (sw_bappeda, sw_dinkes) = ("1.3.2.10.02.03.003/0002", "1.3.2.10.02.03.003/0003");
    [
        (router, ConnectedTo, firewall),
        (core, ConnectedTo, router),
        ("SPBE-JARINGAN-INTRA", DependsOn, router),
        ("SPBE-PUSAT-DATA", DependsOn, core),
        ("SPBE-SISTEM-PENGHUBUNG-LAYANAN", RunsOn, app1),
        (app1, DependsOn, "SPBE-PUSAT-DATA"),
        (db, DependsOn, "SPBE-PUSAT-DATA"),
        (web, DependsOn, "SPBE-PUSAT-DATA"),
        (mail, DependsOn, "SPBE-PUSAT-DATA"),
        (app1, ConnectedTo, core),
        (db, ConnectedTo, core),
        (web, ConnectedTo, core),
        (mail, ConnectedTo, core),
        (mail, LicensedBy, "LIS-WINSRV-2022"),
        ("APL-SIMPEG", RunsOn, app1),
        ("APL-SIMPEG", DependsOn, db),
        ("APL-SIMPUS", RunsOn, app1),
        ("APL-SIMPUS", DependsOn, db),
        ("APL-WEBSITE-PD", RunsOn, web),
        ("APL-EMAIL-DINAS", RunsOn, mail),
        // The national applications are reached over the region's network.
        ("APL-SRIKANDI", DependsOn, "SPBE-JARINGAN-INTRA"),
        ("APL-SIPD", DependsOn, "SPBE-JARINGAN-INTRA"),
        ("APL-SP4N-LAPOR", DependsOn, "SPBE-JARINGAN-INTRA"),
        ("APL-SIAK", DependsOn, "SPBE-JARINGAN-INTRA"),
        ("APL-OSS-RBA", DependsOn, "SPBE-JARINGAN-INTRA"),
        (sw_bappeda, ConnectedTo, "SPBE-JARINGAN-INTRA"),
        (sw_dinkes, ConnectedTo, "SPBE-JARINGAN-INTRA"),
        ("1.3.2.10.01.02.001/0001", ConnectedTo, sw_bappeda),
        ("1.3.2.10.01.02.002/0001", LicensedBy, "LIS-ANTIVIRUS-BAPPEDA"),
        ("1.3.2.10.02.01.001/0001", ConnectedTo, sw_bappeda),
        ("SW-OFFICE-BAPPEDA", RunsOn, "1.3.2.10.01.02.002/0001"),
        ("1.3.2.10.01.02.001/0002", ConnectedTo, sw_dinkes),
    ]
};

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn register(conn: &mut DbConnection, ctx: &Context, principal: &Principal, entry: &SeedAsset) -> Result<bool, String> {
    let (code, name, kind, owner, service, location, acquired, attributes) = entry;
    if assets::exists_coded(conn, code).map_err(text)? {
        return Ok(false);
    }
    let owner = units::find_by_code(conn, owner).map_err(text)?.ok_or(format!("seed unit {owner} is missing"))?;
    let service = match service {
        Some(code) => Some(services::find_by_code(conn, code).map_err(text)?.ok_or(format!("seed service {code} is missing"))?.id),
        None => None,
    };
    let new = write::NewAsset {
        inventory_code: InventoryCode::parse(code).map_err(text)?,
        name: (*name).to_owned(),
        kind: *kind,
        status: AssetStatus::Digunakan,
        owner_unit_id: owner.id,
        service_id: service,
        location: (*location).to_owned(),
        custodian: String::new(),
        serial_number: None,
        acquired_on: Some(NaiveDate::parse_from_str(acquired, "%Y-%m-%d").map_err(text)?),
        acquisition_value: None,
        warranty_ends_on: None,
        attributes: AssetAttributes::parse(*kind, &attributes()).map_err(|e| format!("{code}: {e}"))?,
    };
    write::create(conn, ctx, principal, &new, None).map_err(|e| format!("{code}: {e}"))?;
    Ok(true)
}

/// Registers the demo's assets and relations that are not there yet.
pub fn ensure_assets(conn: &mut DbConnection) -> Result<(), String> {
    let principal = super::knowledge::author(conn)?;
    let ctx = Context::new(Some(principal.actor), None, Utc::now());
    let mut added = 0;
    for entry in &REGISTER {
        added += usize::from(register(conn, &ctx, &principal, entry)?);
    }
    let mut related = 0;
    for (from, kind, to) in RELATIONS {
        let id = |conn: &mut DbConnection, code: &str| {
            assets::id_coded(conn, code).map_err(text)?.ok_or(format!("seed asset {code} is missing"))
        };
        let (from, to) = (id(conn, from)?, id(conn, to)?);
        if relations::exists(conn, from, to, kind).map_err(text)? {
            continue;
        }
        relations::add(conn, &ctx, &principal, from, to, kind).map_err(text)?;
        related += 1;
    }
    if added + related > 0 {
        println!("assets {added} registered, {related} relations");
    }
    Ok(())
}
