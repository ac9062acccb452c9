//! The command line: `serve` (default), `migrate`, `admin`, `seed --demo`,
//! `audit`, `notices`, `backup`, `restore`, `housekeeping`, `privacy`.

mod admin;
mod audit;
mod audit_state;
mod backup;
mod generate;
mod housekeeping;
mod notices;
mod privacy;
mod seed;
mod witness;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::db::{migrate, Db};
use crate::domain::organisation::UnitKind;
use crate::domain::password::NewPassword;
use crate::domain::role::Role;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(name = "spbe-desk", version, about = "Layanan SPBE service desk (REST backend)")]
pub struct Cli {
    /// Folder holding default.toml and <APP_ENV>.toml.
    #[arg(long, env = "APP_CONFIG_DIR", default_value = "config")]
    pub config_dir: PathBuf,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Verify, checkpoint and export the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Back up the database, attachments, keys and configuration into an
    /// empty folder while the service runs (`--to DIR`), or check a backup.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Backup {
        /// The folder to write: absent or empty (on PostgreSQL it may hold
        /// the dump taken just before, in `database/`).
        #[arg(long, required = true)]
        to: Option<PathBuf>,
        #[command(subcommand)]
        command: Option<BackupCommand>,
    },
    /// Restore a backup into an empty data folder (on PostgreSQL, after
    /// the operator's pg_restore), then verify the audit log and every
    /// attachment; exits 1 when the backup or a check fails.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// The published audit public key (64 hex characters) the backup
        /// must be signed with; repeat for rotated keys. Without one, the
        /// key the backup names is used, which proves it only intact.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
    },
    /// Personal data (UU 27/2022): erase a reporter's, or list what the
    /// desk holds on them (`docs/privacy.md`).
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
    /// One housekeeping round now: forget expired idempotency keys, sweep
    /// attachment files without a record (past their grace period).
    Housekeeping,
    /// Send notices now.
    Notices {
        #[command(subcommand)]
        command: NoticesCommand,
    },
    /// Load data into the database.
    Seed {
        /// A plausible region: the Dinas Kominfo, eight Perangkat Daerah with
        /// their desks, approvers and heads, a catalog, change templates.
        #[arg(long)]
        demo: bool,
        /// Give every demo user this password (10–128 characters) instead of
        /// a random one each; for trials (other local users may see a
        /// command line). Users that exist keep theirs.
        #[arg(long, requires = "demo")]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Register a unit (the Dinas first, on a fresh installation).
    CreateUnit {
        #[arg(long, value_parser = parse_kind)]
        kind: UnitKind,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "Asia/Jakarta")]
        time_zone: String,
        #[arg(long)]
        mailbox: String,
        #[arg(long)]
        mandiri_tik: bool,
    },
    /// Create a user; the password is read from stdin or generated and printed once.
    CreateUser {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The unit's code, e.g. DISKOMINFO.
        #[arg(long)]
        unit: String,
        /// A role; repeat for several (reporter, tier1_technician, tier2_engineer,
        /// supervisor, change_approver, admin, auditor).
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Fill the database with a region's ticket history for benchmarks and
    /// trials: N tickets with their clocks, timelines and audit chains (the
    /// demo region is seeded first on an empty database).
    Generate {
        #[arg(long)]
        tickets: u64,
        /// Also N published knowledge articles (one in twenty a draft),
        /// their words drawn from the demo's articles (none by default).
        #[arg(long, default_value_t = 0)]
        articles: u64,
        /// The random seed: the same seed draws the same history.
        #[arg(long, default_value_t = 20261202)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every audit chain and checkpoint in the database; exits 1 on a break.
    Verify {
        /// Instead, check every ticket's and change's row against the state
        /// its journal tells; exits 1 on a difference.
        #[arg(long, conflicts_with = "witness")]
        state: bool,
        /// A witness file (JSON Lines of published checkpoints): also report
        /// a witnessed checkpoint gone or changed, or a chain that no longer
        /// reaches a witnessed head.
        #[arg(long)]
        witness: Option<PathBuf>,
    },
    /// Check an export (`GET /api/v1/audit/export`) offline; exits 1 on a break.
    VerifyExport {
        file: PathBuf,
        /// A trusted public key (64 hex characters); repeat for rotated keys.
        /// Without one, the keys the export names are used, which proves
        /// only that the export is consistent with itself.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
        /// A witness file to hold the export against (its lines are
        /// checked with the same keys).
        #[arg(long)]
        witness: Option<PathBuf>,
    },
    /// Sign the chain heads that moved since the last checkpoint, now.
    Checkpoint,
    /// Rewrite the entries stored compactly as whole states (before going
    /// back to a version older than the compact audit storage; see
    /// docs/operations.md). The hashes do not change.
    StoreWhole,
    /// Write the export of a period (RFC 3339 bounds) to standard output.
    Export {
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup: its signature, every file's size and SHA-256, and on
    /// SQLite the audit log and attachments of its database copy (read
    /// only); exits 1 on any difference.
    Verify {
        dir: PathBuf,
        /// The published audit public key the backup must be signed with.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Erase the contact of someone reported on behalf of: the tickets'
    /// reporter fields, the values their audit entries commit to, and the
    /// address and texts of their mails. The chains keep verifying; run it
    /// again and it finds nothing. Prints what it did as JSON.
    Erase {
        /// The reporter's e-mail address.
        #[arg(long)]
        reporter: String,
    },
    /// Print, as JSON, everything the desk holds on a person (an access
    /// request): tickets reported on their behalf, committed values, audit
    /// entries holding them, their account and comments, mails to them.
    Export {
        /// The person's e-mail address.
        #[arg(long)]
        reporter: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// Fan out and send every notice due now, then exit (prints the figures).
    Dispatch {
        /// Send only mails or only webhook deliveries.
        #[arg(long, value_parser = ["mail", "webhook"])]
        kind: Option<String>,
    },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    raw.parse().map_err(|e: crate::domain::role::RoleError| e.to_string())
}

fn parse_kind(raw: &str) -> Result<UnitKind, String> {
    raw.parse().map_err(|e: crate::domain::organisation::UnitKindError| e.to_string())
}

/// Runs the chosen command; errors are messages for the operator.
pub fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    // A restore may bring the configuration it then reads.
    if let Command::Restore { from, public_keys } = &command {
        return backup::restore(&cli.config_dir, from, public_keys);
    }
    let settings = Settings::load(&cli.config_dir)?;
    crate::telemetry::init(&settings.log);
    match command {
        Command::Serve => {
            crate::memory::return_large_buffers_to_the_system();
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings, Arc::new(SystemClock)).await?;
                app.run_until_stopped().await.map_err(|e| format!("server error: {e}"))
            })
        }
        Command::Migrate => {
            let db = connect(&settings)?;
            let applied =
                migrate::run_pending(&mut *db.conn().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            println!("applied {} migration(s): {}", applied.len(), applied.join(", "));
            Ok(())
        }
        Command::Admin { command: AdminCommand::Generate { tickets, articles, seed } } => {
            generate::run(&connect(&settings)?, tickets, articles, seed)
        }
        Command::Admin { command } => admin::run(&connect(&settings)?, command),
        Command::Audit { command: AuditCommand::VerifyExport { file, public_keys, witness } } => {
            audit::verify_export(&file, &public_keys, witness.as_deref())
        }
        Command::Audit { command } => audit::run(&connect(&settings)?, &settings, command),
        Command::Privacy { command } => privacy::run(&connect(&settings)?, command),
        Command::Housekeeping => housekeeping::run(&connect(&settings)?, &settings),
        Command::Notices { command: NoticesCommand::Dispatch { kind } } => {
            notices::dispatch(&connect(&settings)?, &settings, kind.as_deref())
        }
        Command::Seed { demo: true, password } => {
            let password =
                password.map(|p| NewPassword::parse(&p).map_err(|e| format!("--password {e}"))).transpose()?;
            seed::demo(&connect(&settings)?, password.as_ref())
        }
        Command::Seed { demo: false, .. } => Err("nothing to seed: pass --demo".to_owned()),
        Command::Backup { command: Some(BackupCommand::Verify { dir, public_keys }), .. } => {
            backup::verify(&settings, &dir, &public_keys)
        }
        Command::Backup { to: Some(to), command: None } => backup::take(&settings, &cli.config_dir, &to),
        Command::Backup { to: None, command: None } => Err("pass --to DIR".to_owned()),
        Command::Restore { .. } => Err("restore reads its own configuration".to_owned()),
    }
}

/// Opens the database and brings its schema up to date.
fn connect(settings: &Settings) -> Result<Db, String> {
    let db = Db::connect(&settings.database_url()?, settings.database.pool_size)?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    migrate::run_pending(&mut conn).map_err(|e| e.to_string())?;
    drop(conn);
    Ok(db)
}
