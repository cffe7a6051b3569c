//! What keeps SQLite and the keychain in step across crashes: `keychain_tombstones` lists keychain
//! accounts that must not outlive the database's view of them.
//!
//! - **Deletions** commit the row's removal together with a tombstone per account; the entries are then
//!   deleted, and a crash in between leaves tombstones for the next sweep.
//! - **Creations** cannot commit a tombstone in their own transaction before writing the keychain (it
//!   would only be durable at the commit), so the ids the creation will get are **reserved** first: a
//!   small committed transaction tombstones their accounts. The creating transaction then **claims** each
//!   account it writes — removing its tombstone in the same transaction as the new row — so a SIGKILL
//!   before that commit leaves the tombstone, and the sweep removes the entry written for an id that was
//!   never committed. Ids come from `AUTOINCREMENT` sequences, so a reserved id is never a live row's.
//! - The **sweep** (at every start and after deletions) removes an account's entries and its tombstone
//!   under SQLite's write lock, so it never races a creation that is between its keychain write and its
//!   commit.

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::secrets::{Credentials, KeychainUndo};
use crate::{Error, Result};

/// The ids a creation takes from one `AUTOINCREMENT` table, and the keychain accounts an id may use.
pub(crate) struct NewIds<'a> {
    /// The table.
    pub table: &'static str,
    /// How many rows the creation inserts into it.
    pub count: usize,
    /// An id's possible keychain accounts.
    pub accounts_of: &'a dyn Fn(i64) -> Vec<String>,
}

/// Runs a creation of rows with keychain entries: reserves the accounts of `ids`, runs `write` in one
/// transaction with a [`KeychainUndo`] (which must write new rows' entries with
/// [`KeychainUndo::set_new`]), commits — or undoes the keychain writes — and then drops the reservations
/// that no longer protect anything (so the next sweep has nothing to do for them).
///
/// # Errors
/// Whatever `write` returns; [`Error::Store`] when SQLite fails.
pub(crate) fn create<T>(
    connection: &mut Connection,
    credentials: &Credentials,
    ids: &[NewIds<'_>],
    write: impl FnOnce(&Transaction<'_>, &mut KeychainUndo<'_>) -> Result<T>,
) -> Result<T> {
    let mut reserved = Vec::new();
    for new in ids {
        reserved.extend(reserve(connection, new.table, new.count, new.accounts_of)?);
    }
    let mut undo = KeychainUndo::new(credentials);
    let result = {
        let transaction = connection.transaction()?;
        match write(&transaction, &mut undo) {
            Ok(value) => transaction.commit().map(|()| value).map_err(Error::from),
            Err(error) => Err(error),
        }
    };
    // After a failure, the entries the undo touches keep their tombstones in case restoring one fails.
    let keep = if result.is_err() {
        let touched = undo.accounts();
        undo.rollback();
        touched
    } else {
        Vec::new()
    };
    release(connection, &reserved, &keep);
    result
}

/// Drops the tombstones in `reserved` except `keep`; best effort (a leftover only costs the sweep a
/// keychain lookup).
fn release(connection: &Connection, reserved: &[String], keep: &[String]) {
    if let Ok(mut delete) =
        connection.prepare_cached("DELETE FROM keychain_tombstones WHERE account = ?1")
    {
        for account in reserved.iter().filter(|account| !keep.contains(account)) {
            let _ = delete.execute([account]);
        }
    }
}

/// Tombstones the keychain accounts of the next `count` ids of `table` (an `AUTOINCREMENT` table), in a
/// transaction of its own that commits before any keychain write. `accounts_of` lists an id's accounts.
/// Returns the accounts this call tombstoned (not those that already had a tombstone).
///
/// # Errors
/// [`Error::Store`] when SQLite fails.
pub(crate) fn reserve(
    connection: &mut Connection,
    table: &str,
    count: usize,
    accounts_of: impl Fn(i64) -> Vec<String>,
) -> Result<Vec<String>> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last: i64 = transaction
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = ?1",
            [table],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let now = crate::store::now_ms();
    let mut inserted = Vec::new();
    {
        let mut insert = transaction.prepare_cached(
            "INSERT OR IGNORE INTO keychain_tombstones (account, created_at) VALUES (?1, ?2)",
        )?;
        for id in (last + 1..).take(count) {
            for account in accounts_of(id) {
                if insert.execute(params![account, now])? == 1 {
                    inserted.push(account);
                }
            }
        }
    }
    transaction.commit()?;
    Ok(inserted)
}

/// Takes the reservation of `account` inside the transaction that creates its row: the tombstone goes
/// when that transaction commits, and stays if it never does.
///
/// # Errors
/// [`Error::Conflict`] when `account` was not reserved (another Patchbay process created rows or swept
/// the reservation in between: nothing is saved, trying again works); [`Error::Store`].
pub(crate) fn claim(connection: &Connection, account: &str) -> Result<()> {
    let removed = connection
        .prepare_cached("DELETE FROM keychain_tombstones WHERE account = ?1")?
        .execute([account])?;
    if removed == 0 {
        return Err(Error::Conflict {
            field: "database".into(),
            message: "another Patchbay window or command changed the database at the same moment: nothing was saved, try again".into(),
        });
    }
    Ok(())
}

/// Deletes the keychain entries of every tombstoned account, each under SQLite's write lock, and its
/// tombstone. Returns how many accounts were cleaned.
///
/// # Errors
/// [`Error::Keychain`] when the keychain is unavailable (the tombstones stay for the next sweep);
/// [`Error::Store`].
pub(crate) fn sweep(connection: &mut Connection, credentials: &Credentials) -> Result<usize> {
    let accounts: Vec<String> = {
        let mut statement =
            connection.prepare("SELECT account FROM keychain_tombstones ORDER BY account")?;
        let accounts = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        accounts
    };
    let mut cleaned = 0;
    for account in &accounts {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Claimed since it was listed: its row was committed with this account's entry.
        if transaction
            .prepare_cached("DELETE FROM keychain_tombstones WHERE account = ?1")?
            .execute([account])?
            == 0
        {
            continue;
        }
        credentials.delete(account)?;
        transaction.commit()?;
        cleaned += 1;
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use secrecy::SecretString;

    use crate::integrations::{NewIntegration, SecretsRequired};
    use crate::secrets::{account, KeychainUndo, MemoryBackend};
    use crate::store::Store;
    use crate::Patchbay;

    fn core(dir: &std::path::Path) -> (Patchbay, MemoryBackend) {
        let keychain = MemoryBackend::default();
        let core = Patchbay::with_parts(
            Store::open(dir).unwrap(),
            crate::secrets::Credentials::new(Box::new(keychain.clone())),
        );
        (core, keychain)
    }

    fn kommo(name: &str) -> NewIntegration {
        NewIntegration {
            project_id: None,
            provider: "kommo".into(),
            name: name.into(),
            active: None,
            check_interval_s: None,
            config: BTreeMap::from([("subdomain".into(), "acme".into())]),
            secrets: BTreeMap::from([("token".into(), SecretString::from("t-1"))]),
        }
    }

    #[test]
    fn a_creation_killed_before_its_commit_leaves_no_keychain_entry_after_the_sweep() {
        let dir = tempfile::tempdir().unwrap();
        let (core, keychain) = core(dir.path());
        // What create_integration does, stopped (as by SIGKILL) after the keychain write and before the
        // commit: no rollback of the keychain runs.
        {
            let mut connection = core.store.lock();
            super::reserve(
                &mut connection,
                "integrations",
                1,
                crate::integrations::any_secret_accounts,
            )
            .unwrap();
            let transaction = connection.transaction().unwrap();
            let mut undo = KeychainUndo::new(&core.credentials);
            core.insert_integration(&transaction, kommo("CRM"), &mut undo, SecretsRequired::Yes)
                .unwrap();
            std::mem::forget(undo);
            drop(transaction);
        }
        assert_eq!(
            keychain.accounts(),
            [account(1, "token")],
            "the orphan exists before the sweep"
        );
        assert!(core.sweep_keychain_tombstones().unwrap() >= 1);
        assert_eq!(keychain.accounts(), Vec::<String>::new());
        let left: i64 = core
            .store
            .lock()
            .query_row("SELECT COUNT(*) FROM keychain_tombstones", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(left, 0);
    }

    fn tombstones(core: &Patchbay) -> i64 {
        core.store
            .lock()
            .query_row("SELECT COUNT(*) FROM keychain_tombstones", [], |row| {
                row.get(0)
            })
            .unwrap()
    }

    #[test]
    fn committed_creations_keep_their_secret_through_sweeps() {
        let dir = tempfile::tempdir().unwrap();
        let (core, keychain) = core(dir.path());
        // Neither a failed nor a committed creation leaves work for the sweep.
        let mut invalid = kommo("Bad");
        invalid.config.clear();
        assert!(core.create_integration(invalid).is_err());
        assert_eq!(tombstones(&core), 0);
        let created = core.create_integration(kommo("CRM")).unwrap();
        assert_eq!(created.id, 1);
        assert_eq!(
            tombstones(&core),
            0,
            "unused reservations are dropped after the commit"
        );
        assert_eq!(core.sweep_keychain_tombstones().unwrap(), 0);
        assert_eq!(keychain.accounts(), [account(1, "token")]);
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&core.reveal_secret(1, "token").unwrap()),
            "t-1"
        );
    }

    #[test]
    fn a_write_without_a_reservation_is_refused_and_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (core, keychain) = core(dir.path());
        let mut connection = core.store.lock();
        let transaction = connection.transaction().unwrap();
        let mut undo = KeychainUndo::new(&core.credentials);
        let error = core
            .insert_integration(&transaction, kommo("CRM"), &mut undo, SecretsRequired::Yes)
            .unwrap_err();
        assert!(error.to_string().contains("try again"), "{error}");
        assert_eq!(keychain.accounts(), Vec::<String>::new());
    }
}
