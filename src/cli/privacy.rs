//! `spbe-desk privacy erase|export --reporter EMAIL` (`docs/privacy.md`).

use chrono::Utc;

use super::PrivacyCommand;
use crate::db::privacy::{access, erase};
use crate::db::Db;
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;

pub fn run(db: &Db, command: PrivacyCommand) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let (PrivacyCommand::Erase { reporter } | PrivacyCommand::Export { reporter }) = &command;
    let email = EmailAddress::parse(reporter).map_err(|e| format!("--reporter: {e}"))?;
    let printed = match command {
        PrivacyCommand::Erase { .. } => {
            let erasure =
                erase::erase_reporter(&mut conn, &Context::system(Utc::now()), &email).map_err(|e| e.to_string())?;
            serde_json::to_string_pretty(&erasure)
        }
        PrivacyCommand::Export { .. } => {
            let record = access::subject_record(&mut conn, &email, Utc::now()).map_err(|e| e.to_string())?;
            serde_json::to_string_pretty(&record)
        }
    };
    println!("{}", printed.map_err(|e| e.to_string())?);
    Ok(())
}
