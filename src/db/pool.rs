//! Connection pool over either backend, and the bridge to async code.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::{DbConnection, StoreError};

/// Which database engine a deployment runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database URL, classified by its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DbUrl {
    /// `postgres://` or `postgresql://` select PostgreSQL; `sqlite://PATH`
    /// or a plain path select SQLite; any other scheme is refused.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Self::sqlite_path(path);
        }
        if url.contains("://") {
            return Err(format!("unsupported database URL scheme in `{url}`; use postgres:// or sqlite://"));
        }
        Self::sqlite_path(url)
    }

    fn sqlite_path(path: &str) -> Result<Self, String> {
        if path.is_empty() {
            return Err("the SQLite database path is empty".to_owned());
        }
        Ok(DbUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// SQLite settings applied to every new connection: WAL for concurrent
/// readers, enforced foreign keys, and waiting (not failing) on a busy lock.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON;";

/// r2d2 manager that opens the backend named by the URL.
pub struct Manager {
    url: DbUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DbUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgres).map_err(r2d2::Error::ConnectionError)
            }
            DbUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        match conn {
            DbConnection::Postgres(inner) => inner.is_broken(),
            DbConnection::Sqlite(inner) => inner.is_broken(),
        }
    }
}

/// The shared pool; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
}

impl Db {
    /// Opens a pool of `size` connections (creating the SQLite file's folder).
    pub fn connect(url: &DbUrl, size: u32) -> Result<Self, String> {
        Self::connect_with_timeout(url, size, Duration::from_secs(2))
    }

    /// Like [`Db::connect`]; a request waits at most `timeout` for a
    /// connection, so an outage answers 503 fast.
    pub fn connect_with_timeout(url: &DbUrl, size: u32, timeout: Duration) -> Result<Self, String> {
        if let DbUrl::Sqlite(path) = url {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create database folder {}: {e}", parent.display()))?;
            }
        }
        let pool = Pool::builder()
            .max_size(size)
            .connection_timeout(timeout)
            .build(Manager { url: url.clone() })
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        Ok(Self { pool, backend: url.backend() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks out a connection on the calling thread (CLI and workers).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking store work on the blocking thread pool, keeping the
    /// caller's tracing span, so database I/O never stalls the executor.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.run_within(None, work).await
    }

    /// Like [`Db::run`], waiting at most `wait` (instead of the pool's
    /// timeout) for a connection: readiness probes answer within a second.
    pub async fn run_within<T, E, F>(&self, wait: Option<Duration>, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let joined = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let checked_out = match wait {
                Some(wait) => pool.get_timeout(wait),
                None => pool.get(),
            };
            let mut conn = checked_out.map_err(StoreError::from)?;
            work(&mut conn)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(join_error) => Err(StoreError::Unavailable(format!("database task failed: {join_error}")).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_classified_by_scheme() {
        assert_eq!(DbUrl::parse("postgres://u@h/db").map(|u| u.backend()), Ok(Backend::Postgres));
        assert_eq!(DbUrl::parse("postgresql://h/db").map(|u| u.backend()), Ok(Backend::Postgres));
        assert_eq!(DbUrl::parse("sqlite://./data/x.db"), Ok(DbUrl::Sqlite(PathBuf::from("./data/x.db"))));
        assert_eq!(DbUrl::parse("data/x.db"), Ok(DbUrl::Sqlite(PathBuf::from("data/x.db"))));
        assert!(DbUrl::parse("mysql://h/db").is_err());
        assert!(DbUrl::parse("sqlite://").is_err());
    }
}
