//! `spbe-desk housekeeping`: one round now, e.g. from cron where the
//! instances' own rounds are turned off.

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::db::Db;

pub fn run(db: &Db, settings: &Settings) -> Result<(), String> {
    let clock = SystemClock;
    let (db, data_dir) = (db.clone(), settings.data.dir.clone());
    let house = settings.housekeeping.clone();
    actix_web::rt::System::new().block_on(async move {
        let done = crate::jobs::housekeeper::housekeep_now(&db, &clock, &house, &data_dir).await?;
        println!(
            "forgot {} expired idempotency key(s); swept {} attachment file(s) without a record",
            done.expired_keys, done.orphan_files
        );
        Ok(())
    })
}
