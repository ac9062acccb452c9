//! The demo region's data: Kabupaten Majene (WITA), its units and their
//! heads, the catalog, the people and the templates of standard changes.
//!
//! Complete enough to take every workflow to its end for every unit's
//! services: each Perangkat Daerah has a tier-1 technician and a reporter,
//! each unit owning a service has a change approver (the owner's
//! representative), the Dinas has a second approver (so a special change
//! gets its board, owner and Dinas decisions from three people), and every
//! unit has a head (told of SLA breaches).

use crate::domain::change::ChangeScope;
use crate::domain::role::Role;
use crate::domain::service::{Platform, ServiceCategory};

pub const ZONE: &str = "Asia/Makassar";
pub const DOMAIN: &str = "majenekab.go.id";
/// Majene is in WITA; its units work on this calendar.
pub const WITA_CALENDAR: &str = "Jam kerja Perpres 21/2023 WITA";

/// The Dinas: (code, name).
pub const DINAS: (&str, &str) = ("DISKOMINFO", "Dinas Komunikasi, Informatika dan Persandian");

/// (code, name, Mandiri TIK)
pub const PERANGKAT_DAERAH: [(&str, &str, bool); 8] = [
    ("SETDA", "Sekretariat Daerah", false),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", false),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", false),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", false),
    ("DINKES", "Dinas Kesehatan", false),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", true),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", false),
    ("INSPEKTORAT", "Inspektorat Daerah", false),
];

/// The head (*Kepala*) of each unit: (unit code, name); the address is
/// `kepala.<code>@majenekab.go.id`.
pub const HEADS: [(&str, &str); 9] = [
    ("DISKOMINFO", "Muhammad Arsyad Thamrin"),
    ("SETDA", "Ilham Syamsul Rijal"),
    ("BAPPEDA", "Andi Muhammad Akbar"),
    ("BKPSDM", "Hasrullah Kadir"),
    ("BPKAD", "Nursalam Sahid"),
    ("DINKES", "Harnawati Nasrun"),
    ("DISDUKCAPIL", "Abdul Wahab Mustari"),
    ("DPMPTSP", "Syarifuddin Lamo"),
    ("INSPEKTORAT", "Haeruddin Anas"),
];

/// (code, name, category, owner unit, platform, application, direct to tier 2)
pub type CatalogEntry =
    (&'static str, &'static str, ServiceCategory, &'static str, Platform, Option<&'static str>, bool);

pub const CATALOG: [CatalogEntry; 12] = {
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
pub type Person = (&'static str, &'static str, &'static str, &'static [Role]);

/// The first fourteen are the original demo's (scripts and benchmarks log
/// in as them); the rest complete every unit's desk and approvers.
pub const PEOPLE: [Person; 27] = [
    ("DISKOMINFO", "Andi Rahmat Hidayat", "admin", &[Role::Admin]),
    ("DISKOMINFO", "Nurhayati Syamsuddin", "supervisor", &[Role::Supervisor]),
    ("DISKOMINFO", "Muhammad Irfan Saleh", "tier2.irfan", &[Role::Tier2Engineer]),
    ("DISKOMINFO", "Sitti Aminah Basri", "tier2.aminah", &[Role::Tier2Engineer]),
    ("DISKOMINFO", "Ahmad Fauzi Rasyid", "approver", &[Role::ChangeApprover]),
    ("INSPEKTORAT", "Rahmawati Yusuf", "auditor", &[Role::Auditor]),
    ("BAPPEDA", "Hendra Gunawan", "tier1.bappeda", &[Role::Tier1Technician]),
    ("BAPPEDA", "Fitriani Arifin", "fitriani", &[Role::Reporter]),
    ("BKPSDM", "Syahrul Ramadhan", "tier1.bkpsdm", &[Role::Tier1Technician]),
    ("BKPSDM", "Dewi Kartika Sari", "dewi", &[Role::Reporter]),
    ("DISDUKCAPIL", "Agus Salim Mappiasse", "tier1.disdukcapil", &[Role::Tier1Technician]),
    ("DISDUKCAPIL", "Hasniah Abdullah", "hasniah", &[Role::Reporter]),
    ("DINKES", "Rudi Hartono", "tier1.dinkes", &[Role::Tier1Technician, Role::Reporter]),
    ("SETDA", "Marlina Tahir", "marlina", &[Role::Reporter, Role::ChangeApprover]),
    ("DISKOMINFO", "Rosmini Hamzah", "approver.dinas", &[Role::ChangeApprover]),
    ("SETDA", "Arman Jafar", "tier1.setda", &[Role::Tier1Technician]),
    ("BAPPEDA", "Irwan Baharuddin", "approver.bappeda", &[Role::ChangeApprover]),
    ("BKPSDM", "Nurdiana Latif", "approver.bkpsdm", &[Role::ChangeApprover]),
    ("BPKAD", "Syamsul Bahri Djalil", "tier1.bpkad", &[Role::Tier1Technician]),
    ("BPKAD", "Rahmat Saputra", "rahmat", &[Role::Reporter]),
    ("DINKES", "Sri Wahyuni Idris", "approver.dinkes", &[Role::ChangeApprover]),
    ("DISDUKCAPIL", "Jumriani Tahir", "approver.disdukcapil", &[Role::ChangeApprover]),
    ("DPMPTSP", "Fadli Ramadhan", "tier1.dpmptsp", &[Role::Tier1Technician]),
    ("DPMPTSP", "Nurul Hikmah", "nurul", &[Role::Reporter]),
    ("DPMPTSP", "Baso Amiruddin", "approver.dpmptsp", &[Role::ChangeApprover]),
    ("INSPEKTORAT", "Yusran Malik", "tier1.inspektorat", &[Role::Tier1Technician]),
    ("INSPEKTORAT", "Hasnah Latief", "hasnah", &[Role::Reporter]),
];

/// A template of standard changes: (service code, name, scope, title,
/// description, implementation plan, test plan, rollback plan).
pub type TemplateEntry =
    (&'static str, &'static str, ChangeScope, &'static str, &'static str, &'static str, &'static str, &'static str);

pub const TEMPLATES: [TemplateEntry; 2] = [
    (
        "PUSAT-DATA",
        "Perpanjangan sertifikat TLS",
        ChangeScope::Keamanan,
        "Perpanjangan sertifikat TLS *.majenekab.go.id",
        "Sertifikat wildcard diperpanjang sebelum kedaluwarsa.",
        "Pasang sertifikat baru di penyeimbang beban, lalu muat ulang konfigurasinya.",
        "Buka setiap subdomain lewat HTTPS; tanggal kedaluwarsa yang baru tampil.",
        "Pasang kembali sertifikat lama (masih berlaku) dan muat ulang.",
    ),
    (
        "SRIKANDI",
        "Penambahan unit kerja SRIKANDI",
        ChangeScope::Data,
        "Penambahan unit kerja di SRIKANDI",
        "Unit kerja dan jabatan baru sesuai struktur organisasi terbaru.",
        "Tambahkan unit kerja dan jabatan melalui menu admin SRIKANDI.",
        "Kirim naskah uji ke unit kerja yang baru.",
        "Nonaktifkan unit kerja yang ditambahkan.",
    ),
];
