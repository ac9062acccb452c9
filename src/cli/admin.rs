//! `admin create-unit` and `admin create-user`: bootstrap without the API.

use std::io::BufRead;

use chrono::Utc;

use super::AdminCommand;
use crate::auth::{password, secrets};
use crate::db::{units, users, Db};
use crate::domain::email::EmailAddress;
use crate::domain::journal::Context;
use crate::domain::organisation::{NewUnit, TimeZone};
use crate::domain::password::NewPassword;
use crate::domain::role::RoleSet;
use crate::domain::text::{Code, DisplayName};
use crate::domain::user::NewUser;

pub fn run(db: &Db, command: AdminCommand) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let ctx = Context::system(Utc::now());
    match command {
        AdminCommand::CreateUnit { kind, code, name, time_zone, mailbox, mandiri_tik } => {
            let new = NewUnit {
                kind,
                code: Code::parse(&code).map_err(|e| format!("--code: {e}"))?,
                name: DisplayName::parse(&name).map_err(|e| format!("--name: {e}"))?,
                mandiri_tik,
                time_zone: TimeZone::parse(&time_zone).map_err(|e| format!("--time-zone: {e}"))?,
                mailbox: EmailAddress::parse(&mailbox).map_err(|e| format!("--mailbox: {e}"))?,
                calendar_id: None,
            };
            let unit = units::insert(&mut conn, &ctx, &new).map_err(|e| e.to_string())?;
            println!("created unit {} ({}) id {}", unit.code, unit.name, unit.id);
            Ok(())
        }
        AdminCommand::CreateUser { name, email, unit, roles, password_stdin } => {
            let unit = units::find_by_code(&mut conn, &unit)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--unit: no unit with code `{unit}`"))?;
            let new = NewUser {
                name: DisplayName::parse(&name).map_err(|e| format!("--name: {e}"))?,
                email: EmailAddress::parse(&email).map_err(|e| format!("--email: {e}"))?,
                unit_id: unit.id,
                roles: RoleSet::new(roles).map_err(|e| format!("--role: {e}"))?,
            };
            let (chosen, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (secrets::random_token(), true)
            };
            let chosen = NewPassword::parse(&chosen).map_err(|e| format!("password: {e}"))?;
            let hash = password::hash(&chosen)?;
            let user = users::insert(&mut conn, &ctx, &new, Some(hash)).map_err(|e| e.to_string())?;
            println!("created user {} id {}", user.email, user.id);
            if generated {
                println!("password (shown once): {}", chosen.expose());
            }
            Ok(())
        }
        AdminCommand::Generate { .. } => Err("`admin generate` runs on its own".to_owned()),
    }
}
