//! Domain values stored as text (the enumerations, a unit's time zone),
//! read and written straight as their domain type.
//!
//! The domain knows nothing of diesel, so their `FromSql`/`ToSql` live
//! here. A stored text that spells no value is an error of the row, which
//! the store reports as `StoreError::Corrupt`, never a panic or a default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::change::approval::{CapacityKind, Decision, Stage};
use crate::domain::change::risk::RiskLevel;
use crate::domain::change::{ChangeScope, ChangeStatus, ChangeType, Outcome};
use crate::domain::notice::status::{NoticeKind, NoticeStatus};
use crate::domain::organisation::{TimeZone, UnitKind};
use crate::domain::service::{Platform, ServiceCategory};
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::holiday::HolidayKind;
use crate::domain::ticket::{Channel, Level, PendingReason, Priority, ResolutionCode, Status, TicketType};

/// Makes `$ty` a `Text` column value: read with `$parse` (a
/// `fn(&str) -> Result<$ty, impl Display>`), written as `$text` (a
/// `fn($ty) -> &'static str`). Written values bind as `&'static str`.
macro_rules! stored_as_text {
    ($ty:ty, $parse:expr, $text:expr) => {
        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let stored = String::from_sql(value)?;
                ($parse)(stored.as_str()).map_err(|e| format!("{}: {e}", stringify!($ty)).into())
            }
        }

        impl<DB> Queryable<Text, DB> for $ty
        where
            DB: Backend,
            $ty: FromSql<Text, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(($text)(*self), out)
            }
        }

        stored_as_text!(@expression $ty, $text, Text);
        stored_as_text!(@expression $ty, $text, Nullable<Text>);
    };
    (@expression $ty:ty, $text:expr, $sql:ty) => {
        impl AsExpression<$sql> for $ty {
            type Expression = <&'static str as AsExpression<$sql>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<$sql>>::as_expression(($text)(self))
            }
        }

        impl AsExpression<$sql> for &$ty {
            type Expression = <&'static str as AsExpression<$sql>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<$sql>>::as_expression(($text)(*self))
            }
        }
    };
}

/// The enumerations spelled by their `FromStr` and `as_str`.
macro_rules! stored_enums {
    ($($ty:ty),+ $(,)?) => {$(
        stored_as_text!($ty, <$ty as std::str::FromStr>::from_str, <$ty>::as_str);
    )+};
}

stored_enums!(
    TicketType,
    Level,
    Priority,
    Status,
    Channel,
    PendingReason,
    ResolutionCode,
    UnitKind,
    ServiceCategory,
    Platform,
    ClockKind,
    HolidayKind,
    NoticeKind,
    NoticeStatus,
    ChangeType,
    ChangeScope,
    ChangeStatus,
    Outcome,
    RiskLevel,
    CapacityKind,
    Decision,
    Stage,
);

// A unit's zone: refused where it enters (`TimeZone::parse`), so a stored
// zone that does not parse is corrupt, never replaced by another.
stored_as_text!(TimeZone, TimeZone::parse, TimeZone::name);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::db::{DbConnection, StoreError};

    fn sqlite() -> DbConnection {
        DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").expect("in-memory SQLite"))
    }

    #[derive(QueryableByName)]
    struct Zone {
        #[diesel(sql_type = Text)]
        zone: TimeZone,
    }

    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = Nullable<Text>)]
        status: Option<Status>,
    }

    #[test]
    fn a_stored_enum_and_zone_read_as_their_domain_values() {
        let mut conn = sqlite();
        let read: Stored = diesel::sql_query("SELECT 'in_progress' AS status").get_result(&mut conn).expect("status");
        assert_eq!(read.status, Some(Status::InProgress));
        let read: Zone = diesel::sql_query("SELECT 'Asia/Makassar' AS zone").get_result(&mut conn).expect("zone");
        assert_eq!(read.zone.name(), "Asia/Makassar");
    }

    #[test]
    fn a_written_value_is_its_text() {
        let mut conn = sqlite();
        let echoed: Stored = diesel::sql_query("SELECT ? AS status")
            .bind::<Nullable<Text>, _>(Some(Status::Pending))
            .get_result(&mut conn)
            .expect("echo");
        assert_eq!(echoed.status, Some(Status::Pending));
    }

    #[test]
    fn a_stored_text_no_value_spells_is_corrupt_not_a_default() {
        let mut conn = sqlite();
        let zone = diesel::sql_query("SELECT 'Asia/Bandung' AS zone").get_result::<Zone>(&mut conn);
        assert!(matches!(zone.map_err(StoreError::from), Err(StoreError::Corrupt(_))));
        let status = diesel::sql_query("SELECT 'lost' AS status").get_result::<Stored>(&mut conn);
        assert!(matches!(status.map_err(StoreError::from), Err(StoreError::Corrupt(_))));
    }
}
