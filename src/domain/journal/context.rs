//! Who caused a change, in which request, and when: carried from the edge
//! (auth, api, jobs, CLI) into every write.

use chrono::{DateTime, SubsecRound, Utc};

use crate::domain::policy::Actor;

/// The context of one mutation.
#[derive(Debug, Clone)]
pub struct Context {
    /// `None` for the system itself (CLI, seed, background jobs).
    pub actor: Option<Actor>,
    pub request_id: Option<String>,
    /// Kept to the microsecond, the precision both backends store, so that
    /// what is hashed is exactly what is read back.
    pub now: DateTime<Utc>,
}

impl Context {
    pub fn new(actor: Option<Actor>, request_id: Option<String>, now: DateTime<Utc>) -> Self {
        Self { actor, request_id, now: now.trunc_subsecs(6) }
    }

    pub fn system(now: DateTime<Utc>) -> Self {
        Self::new(None, None, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_instant_is_kept_to_the_microsecond() {
        let now = Utc.timestamp_opt(1_764_000_000, 123_456_789).single().unwrap_or_default();
        assert_eq!(Context::system(now).now.timestamp_subsec_nanos(), 123_456_000);
    }
}
