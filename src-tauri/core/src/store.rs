//! The local SQLite database: opening, pragmas and versioned migrations.
//!
//! One file (`patchbay.sqlite3`) in the data dir, WAL mode, `busy_timeout`, foreign keys on, and every
//! transaction `IMMEDIATE` (see [`Store::open`]). Migrations are
//! the timestamped SQL files in `core/migrations/`, applied in order by `rusqlite_migration`, which tracks
//! the version in `PRAGMA user_version`. A database whose version is newer than this build knows is
//! refused with [`Error::SchemaTooNew`] before anything touches it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use crate::{Error, Result};

/// File name of the database inside the data dir.
pub const DB_FILE: &str = "patchbay.sqlite3";

/// How long a write waits for another process's (or window's) write to finish before it fails with
/// [`Error::Store`]: 5 s.
pub const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The migrations, oldest first; schema version N is the state after the N-th.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/20261122_0001_init.sql"),
    include_str!("../migrations/20261122_0002_health.sql"),
    include_str!("../migrations/20261122_0003_runs.sql"),
    include_str!("../migrations/20261122_0004_templates.sql"),
    include_str!("../migrations/20261122_0005_n8n.sql"),
    include_str!("../migrations/20261122_0006_crm.sql"),
    include_str!("../migrations/20261122_0007_outbox.sql"),
    include_str!("../migrations/20261122_0008_crm_bridge.sql"),
    include_str!("../migrations/20261122_0009_integration_search.sql"),
    include_str!("../migrations/20261207_0010_run_projects.sql"),
    include_str!("../migrations/20261207_0011_runs_by_integration.sql"),
    include_str!("../migrations/20261207_0012_crm_accounts.sql"),
    include_str!("../migrations/20261207_0013_run_owners.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// Highest schema version this build knows.
pub fn latest_schema_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// The open database. Access is serialized through a mutex; callers run on blocking threads.
pub struct Store {
    connection: Mutex<Connection>,
    path: PathBuf,
    /// This process's lock on the data dir (none for in-memory stores, or where it could not be taken).
    owner: Option<crate::owners::OwnerLock>,
}

/// Registers `casefold(text)`: the text in lower case by Unicode's rules (Rust's `str::to_lowercase`), NULL for
/// NULL. SQLite's own `lower()` and `LIKE` fold ASCII letters only, so a search for "сделка" did not find
/// "Сделка Иванова" — and a search typed with a capital Cyrillic letter found nothing, as the term was folded
/// in Rust and the column was not. Searches compare `instr(casefold(column), term)` with the term folded the same way.
///
/// # Errors
/// SQLite's, if the function cannot be registered.
fn register_casefold(connection: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    connection.create_scalar_function(
        "casefold",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |context| {
            Ok(context
                .get::<Option<String>>(0)?
                .map(|text| text.to_lowercase()))
        },
    )
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and migrates it to the latest schema.
    ///
    /// Other processes may use the same file at once (the app, the CLI, a second window), so each
    /// transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), waiting up to [`BUSY_WAIT`] for
    /// another writer. A deferred transaction that read first and wrote second got "database is locked"
    /// at once, with no wait, when another process held the write lock at that moment: SQLite does not
    /// wait for a lock a reader wants to upgrade (a CRM sync failed so while the CLI listed runs).
    ///
    /// # Errors
    /// [`Error::Store`] when the directory or file cannot be created or opened (read-only, disk full,
    /// not a database); [`Error::SchemaTooNew`] when the file comes from a newer Patchbay.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|error| {
            Error::Store(format!(
                "cannot create the data dir {}: {error}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(DB_FILE);
        let connection = Connection::open(&path)
            .map_err(|error| Error::Store(format!("cannot open {}: {error}", path.display())))?;
        let mut store = Self::init(connection, path)?;
        // Without it this process's runs are judged by their heartbeats alone, as before owners existed.
        store.owner = crate::owners::OwnerLock::acquire(data_dir)
            .inspect_err(|error| {
                log::warn!(
                    "cannot take a lock in {}: {error}",
                    data_dir.join(crate::owners::OWNERS_DIR).display()
                );
            })
            .ok();
        Ok(store)
    }

    /// An in-memory database with the latest schema, for tests.
    ///
    /// # Errors
    /// [`Error::Store`] if SQLite fails.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(mut connection: Connection, path: PathBuf) -> Result<Self> {
        let describe = |error: rusqlite::Error| {
            let hint = match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly) => {
                    " (the data folder may be read-only, missing or on a full disk)"
                }
                Some(rusqlite::ErrorCode::DiskFull) => " (the disk is full)",
                _ => "",
            };
            Error::Store(format!(
                "cannot use {} as a Patchbay database: {error}{hint}",
                path.display()
            ))
        };
        connection.busy_timeout(BUSY_WAIT).map_err(describe)?;
        register_casefold(&connection).map_err(describe)?;
        connection.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(describe)?;
        // Up to 16 MiB of page cache (SQLite's default is 2 MiB): a 100,000-record CRM sync keeps its
        // indexes in memory instead of re-reading them (benches/crm_sync.rs).
        connection
            .pragma_update(None, "cache_size", -16_384)
            .map_err(describe)?;
        if path != Path::new(":memory:") {
            connection
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(describe)?;
            connection
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(describe)?;
        }
        let found: i64 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(describe)?;
        if found > latest_schema_version() {
            return Err(Error::SchemaTooNew {
                path: path.display().to_string(),
                found,
                known: latest_schema_version(),
            });
        }
        migrations().to_latest(&mut connection).map_err(|error| {
            Error::Store(format!("migrating {} failed: {error}", path.display()))
        })?;
        Ok(Self {
            connection: Mutex::new(connection),
            path,
            owner: None,
        })
    }

    /// This process's lock on the data dir, whose token its runs record ([`crate::owners`]).
    pub fn owner(&self) -> Option<&crate::owners::OwnerLock> {
        self.owner.as_ref()
    }

    /// Path of the database file (`:memory:` for in-memory stores).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Locks the connection. A poisoned lock is recovered: SQLite's own transactions keep the data
    /// consistent even if a holder panicked.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert_eq!(migrations().validate(), Ok(()));
    }

    /// Runs recorded before schema 10 named their integration but not its project; opening the store
    /// gives them the integration's project, and leaves "Check all" runs (no integration) as they were.
    #[test]
    fn runs_of_an_integration_get_its_project_on_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut connection = Connection::open(dir.path().join(DB_FILE)).unwrap();
            migrations().to_version(&mut connection, 9).unwrap();
            connection
                .execute_batch(
                    "INSERT INTO projects (name, created_at) VALUES ('Acme', 1);
                     INSERT INTO integrations (project_id, provider, name, config, created_at, updated_at)
                         VALUES (2, 'kommo', 'Acme CRM', '{}', 1, 1);
                     INSERT INTO runs (kind, status, title, integration_id, created_at)
                         VALUES ('crm_sync', 'succeeded', 'sync', 1, 1),
                                ('health_check_all', 'succeeded', 'Check all', NULL, 1);",
                )
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let projects: Vec<Option<i64>> = store
            .lock()
            .prepare("SELECT project_id FROM runs ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(projects, vec![Some(2), None]);
    }

    #[test]
    fn refuses_database_from_newer_schema_and_leaves_it_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        {
            let connection = Connection::open(dir.path().join(DB_FILE)).unwrap();
            connection.pragma_update(None, "user_version", 99).unwrap();
        }
        let error = Store::open(dir.path()).err().unwrap();
        assert!(
            matches!(error, Error::SchemaTooNew { found: 99, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("newer version of Patchbay"));
        let connection = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let version: i64 = connection
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 99);
    }

    /// Two stores on one file stand for two processes. While one holds the write lock, the other's
    /// transaction that reads before it writes waits for it instead of failing with "database is locked".
    #[test]
    fn a_transaction_that_reads_then_writes_waits_for_another_process_writer() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Store::open(dir.path()).unwrap();
        let other = Store::open(dir.path()).unwrap();
        let holding = writer.lock();
        holding
            .execute_batch(
                "BEGIN IMMEDIATE; INSERT INTO projects (name, created_at) VALUES ('Held', 1);",
            )
            .unwrap();
        let (started, began) = std::sync::mpsc::channel();
        let waiting = std::thread::spawn(move || {
            let mut connection = other.lock();
            started.send(()).unwrap();
            let transaction = connection.transaction()?;
            let count: i64 =
                transaction.query_row("SELECT COUNT(*) FROM projects", [], |row| row.get(0))?;
            transaction.execute(
                "INSERT INTO projects (name, created_at) VALUES (?1, 2)",
                [format!("After {count}")],
            )?;
            transaction.commit()
        });
        began.recv().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        holding.execute_batch("COMMIT").unwrap();
        drop(holding);
        waiting.join().unwrap().unwrap();
        let names: Vec<String> = writer
            .lock()
            .prepare("SELECT name FROM projects ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(names, ["Default", "Held", "After 2"]);
    }

    /// When the other process holds the write lock for longer than the wait, the error says what happened
    /// and that nothing was saved, instead of SQLite's "database is locked".
    #[test]
    fn a_writer_that_waits_too_long_gets_a_clear_error_and_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Store::open(dir.path()).unwrap();
        let other = Store::open(dir.path()).unwrap();
        // The 5 s wait shortened, so that the test does not take 5 s.
        other
            .lock()
            .busy_timeout(std::time::Duration::from_millis(50))
            .unwrap();
        let holding = writer.lock();
        holding.execute_batch("BEGIN IMMEDIATE").unwrap();
        let error = crate::Error::from(
            other
                .lock()
                .execute(
                    "INSERT INTO projects (name, created_at) VALUES ('Late', 1)",
                    [],
                )
                .unwrap_err(),
        );
        holding.execute_batch("COMMIT").unwrap();
        assert!(
            error.to_string().contains(
                "another Patchbay window or command kept the database busy for more than 5 seconds: this change was not saved"
            ),
            "{error}"
        );
        let late: i64 = other
            .lock()
            .query_row(
                "SELECT COUNT(*) FROM projects WHERE name = 'Late'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(late, 0);
    }

    #[test]
    fn opens_in_wal_mode_with_default_project() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let connection = store.lock();
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let name: String = connection
            .query_row("SELECT name FROM projects", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, "Default");
    }
}
