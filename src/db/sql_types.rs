//! The one id type of the schema: [`Id`], PostgreSQL's native `uuid` and a
//! 16-byte BLOB on SQLite, read straight into `uuid::Uuid`.
//!
//! A column of type `Id` reads into `Uuid` (and `Option<Uuid>`) directly.
//! Writing one takes a type of ours, [`DbId`] (or [`OptionalDbId`]): diesel's
//! blanket `AsExpression` keeps any crate but diesel from making
//! `uuid::Uuid` an expression of a new SQL type, and diesel's own `Uuid`
//! cannot be given to SQLite, which `MultiConnection` needs for inserts and
//! `IN` lists. Row structs keep `Uuid` fields and name `DbId` in
//! `#[diesel(serialize_as)]`; filters wrap the id they compare with.
//!
//! Both stored forms sort as the 16 big-endian bytes, so time-ordered (v7)
//! ids keep their order on either backend.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Binary, HasSqlType, Nullable};
use diesel::sqlite::{Sqlite, SqliteValue};
use std::io::Write;
use uuid::Uuid;

use super::DbBackend;

/// An id column: `uuid` on PostgreSQL (OID 2950), a 16-byte BLOB on SQLite.
#[derive(Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Binary"))]
pub struct Id;

impl HasSqlType<Id> for DbBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        DbBackend::lookup_sql_type::<Id>(lookup)
    }
}

/// An id as a query writes it: a bound parameter or an inserted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression)]
#[diesel(sql_type = Id)]
pub struct DbId(pub Uuid);

impl From<Uuid> for DbId {
    fn from(id: Uuid) -> Self {
        DbId(id)
    }
}

/// Each of `ids` as a query writes it (for `eq_any`).
pub fn db_ids<'a>(ids: impl IntoIterator<Item = &'a Uuid>) -> Vec<DbId> {
    ids.into_iter().copied().map(DbId).collect()
}

/// An id or NULL as an inserted or updated value of a nullable id column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionalDbId(pub Option<Uuid>);

impl From<Option<Uuid>> for OptionalDbId {
    fn from(id: Option<Uuid>) -> Self {
        OptionalDbId(id)
    }
}

/// A changeset's `Some(id)` (set the column to `id`).
impl From<Uuid> for OptionalDbId {
    fn from(id: Uuid) -> Self {
        OptionalDbId(Some(id))
    }
}

impl AsExpression<Nullable<Id>> for OptionalDbId {
    type Expression = <Option<DbId> as AsExpression<Nullable<Id>>>::Expression;

    fn as_expression(self) -> Self::Expression {
        self.0.map(DbId).as_expression()
    }
}

/// A stored id that is not 16 bytes (SQLite holds any BLOB): an error of
/// the row, never a panic.
fn from_slice(bytes: &[u8]) -> deserialize::Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|_| format!("an id of {} bytes", bytes.len()).into())
}

impl FromSql<Id, Pg> for Uuid {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        from_slice(value.as_bytes())
    }
}

impl FromSql<Id, Sqlite> for Uuid {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        from_slice(&<Vec<u8> as FromSql<Binary, Sqlite>>::from_sql(value)?)
    }
}

impl FromSql<Id, DbBackend> for Uuid {
    fn from_sql(value: <DbBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Uuid, Id>()
    }
}

impl<DB> Queryable<Id, DB> for Uuid
where
    DB: Backend,
    Uuid: FromSql<Id, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl ToSql<Id, Pg> for DbId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl ToSql<Id, Sqlite> for DbId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.as_bytes().as_slice());
        Ok(IsNull::No)
    }
}

impl ToSql<Id, DbBackend> for DbId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DbBackend>) -> serialize::Result {
        out.set_value((Id, self));
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Binary;

    use super::*;
    use crate::db::DbConnection;

    #[derive(QueryableByName)]
    struct Echo {
        #[diesel(sql_type = Id)]
        id: Uuid,
    }

    #[derive(QueryableByName)]
    struct Raw {
        #[diesel(sql_type = Binary)]
        id: Vec<u8>,
    }

    fn sqlite() -> DbConnection {
        DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").expect("in-memory SQLite"))
    }

    #[test]
    fn an_id_is_stored_as_its_sixteen_bytes_on_sqlite_and_read_back() {
        let mut conn = sqlite();
        conn.batch_execute("CREATE TABLE t (id BLOB NOT NULL)").expect("table");
        let id = Uuid::now_v7();
        diesel::sql_query("INSERT INTO t (id) VALUES (?)").bind::<Id, _>(DbId(id)).execute(&mut conn).expect("insert");
        let raw: Raw = diesel::sql_query("SELECT id FROM t").get_result(&mut conn).expect("raw");
        assert_eq!(raw.id, id.as_bytes());
        let echo: Echo = diesel::sql_query("SELECT id FROM t").get_result(&mut conn).expect("echo");
        assert_eq!(echo.id, id);
    }

    #[test]
    fn a_stored_id_of_the_wrong_length_is_an_error_not_a_panic() {
        let mut conn = sqlite();
        let read = diesel::sql_query("SELECT X'0102' AS id").get_result::<Echo>(&mut conn);
        assert!(read.is_err());
    }
}
