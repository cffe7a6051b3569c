//! Credentials in the OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service)
//! through the `keyring` crate.
//!
//! One entry per secret field: service = the app identifier, account = `<integration id>/<field>`.
//! Windows caps an entry at 2,560 bytes of UTF-16, and OAuth/JWT tokens come close, so values longer
//! than [`CHUNK_CHARS`] are split across numbered entries `<id>/<field>`, `<id>/<field>#2`, … and read
//! back whole; this happens on every OS so that it is exercised by the Linux tests. Values never appear
//! in `Debug` output or error messages: they travel as [`secrecy::SecretString`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// Most characters stored in one keychain entry: 600 chars are at most 1,200 UTF-16 units (2,400
/// bytes), under Windows' 2,560-byte limit even for characters outside the BMP.
pub const CHUNK_CHARS: usize = 600;
/// Most entries one secret may span (16 KB / 600 chars, rounded up).
const MAX_CHUNKS: usize = 28;

/// Raw storage of single entries. [`Keychain`] is the real one; [`MemoryBackend`] serves unit tests.
pub trait Backend: Send + Sync {
    /// Stores `value` under `account`, replacing what was there.
    ///
    /// # Errors
    /// [`Error::Keychain`] when the store is locked, absent or refuses the value.
    fn set(&self, account: &str, value: &str) -> Result<()>;
    /// Reads `account`; `None` when there is no such entry.
    ///
    /// # Errors
    /// [`Error::Keychain`] when the store is locked or absent.
    fn get(&self, account: &str) -> Result<Option<String>>;
    /// Deletes `account`; succeeds when there was no such entry.
    ///
    /// # Errors
    /// [`Error::Keychain`] when the store is locked or absent.
    fn delete(&self, account: &str) -> Result<()>;
}

/// The OS keychain for one service name (the app identifier).
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// A keychain handle whose entries use `service` as their service name.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account)
            .map_err(|error| map_keyring_error(account, error))
    }
}

fn map_keyring_error(account: &str, error: keyring::Error) -> Error {
    use keyring::Error as K;
    let message = match error {
        K::NoStorageAccess(_) => format!(
            "the OS keychain is locked or refused access while handling `{account}`; unlock it (on Linux: the login keyring) and try again"
        ),
        K::PlatformFailure(_) => format!(
            "no OS keychain is available for `{account}` (on Linux a Secret Service such as gnome-keyring must run on the session D-Bus)"
        ),
        K::TooLong(attribute, limit) => {
            format!("the keychain refused `{account}`: {attribute} is longer than {limit}")
        }
        K::Invalid(attribute, reason) => {
            format!("the keychain refused `{account}`: invalid {attribute} ({reason})")
        }
        K::Ambiguous(_) => format!("the keychain holds several entries for `{account}`; remove the duplicates"),
        other => format!("keychain error for `{account}`: {other}"),
    };
    Error::Keychain(message)
}

impl Backend for Keychain {
    fn set(&self, account: &str, value: &str) -> Result<()> {
        self.entry(account)?
            .set_password(value)
            .map_err(|error| map_keyring_error(account, error))
    }

    fn get(&self, account: &str) -> Result<Option<String>> {
        match self.entry(account)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_keyring_error(account, error)),
        }
    }

    fn delete(&self, account: &str) -> Result<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(map_keyring_error(account, error)),
        }
    }
}

/// An in-process map standing in for the keychain in unit tests. It can be told to fail, to test the
/// consistency of SQLite and keychain on errors. Clones share the same entries.
#[derive(Default, Clone)]
pub struct MemoryBackend {
    entries: Arc<Mutex<HashMap<String, String>>>,
    fail_writes: Arc<Mutex<bool>>,
}

impl MemoryBackend {
    /// Makes every later `set` fail (as a locked keychain would) when `fail` is true.
    pub fn fail_writes(&self, fail: bool) {
        *self.fail_writes.lock().unwrap_or_else(|e| e.into_inner()) = fail;
    }

    /// Accounts currently stored, sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut accounts: Vec<_> = self.lock().keys().cloned().collect();
        accounts.sort();
        accounts
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Backend for MemoryBackend {
    fn set(&self, account: &str, value: &str) -> Result<()> {
        if *self.fail_writes.lock().unwrap_or_else(|e| e.into_inner()) {
            return Err(Error::Keychain(format!(
                "the OS keychain is locked (writing `{account}`)"
            )));
        }
        self.lock().insert(account.to_owned(), value.to_owned());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<String>> {
        Ok(self.lock().get(account).cloned())
    }

    fn delete(&self, account: &str) -> Result<()> {
        self.lock().remove(account);
        Ok(())
    }
}

/// The keychain account of an integration's secret field: `<integration id>/<field>`.
pub fn account(integration_id: i64, field: &str) -> String {
    format!("{integration_id}/{field}")
}

fn chunk_account(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_owned()
    } else {
        format!("{base}#{}", index + 1)
    }
}

/// Credentials on top of a [`Backend`], splitting long values across numbered entries.
pub struct Credentials {
    backend: Box<dyn Backend>,
}

impl Credentials {
    /// Credentials stored in `backend`.
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Self { backend }
    }

    /// Stores `value` under `account`, split into chunks of [`CHUNK_CHARS`]; removes chunks left over from
    /// a longer previous value.
    ///
    /// # Errors
    /// [`Error::Keychain`] from the backend; [`Error::Validation`] is the caller's job (length is checked
    /// by the provider validation before this is called).
    pub fn set(&self, account: &str, value: &SecretString) -> Result<()> {
        let chars: Vec<char> = value.expose_secret().chars().collect();
        let chunks: Vec<String> = chars
            .chunks(CHUNK_CHARS)
            .map(|chunk| chunk.iter().collect())
            .collect();
        if chunks.len() > MAX_CHUNKS {
            return Err(Error::Internal(format!(
                "secret for `{account}` exceeds {MAX_CHUNKS} chunks"
            )));
        }
        for (index, chunk) in chunks.iter().enumerate() {
            self.backend.set(&chunk_account(account, index), chunk)?;
        }
        for index in chunks.len().max(1)..MAX_CHUNKS {
            let extra = chunk_account(account, index);
            if self.backend.get(&extra)?.is_none() {
                break;
            }
            self.backend.delete(&extra)?;
        }
        Ok(())
    }

    /// Reads the whole value stored under `account`, or `None`.
    ///
    /// # Errors
    /// [`Error::Keychain`] from the backend.
    pub fn get(&self, account: &str) -> Result<Option<SecretString>> {
        let Some(first) = self.backend.get(account)? else {
            return Ok(None);
        };
        let mut value = first;
        if value.chars().count() == CHUNK_CHARS {
            for index in 1..MAX_CHUNKS {
                match self.backend.get(&chunk_account(account, index))? {
                    Some(chunk) => value.push_str(&chunk),
                    None => break,
                }
            }
        }
        Ok(Some(SecretString::from(value)))
    }

    /// Deletes `account` and all its chunks. Succeeds when nothing was stored.
    ///
    /// # Errors
    /// [`Error::Keychain`] from the backend.
    pub fn delete(&self, account: &str) -> Result<()> {
        self.backend.delete(account)?;
        for index in 1..MAX_CHUNKS {
            let extra = chunk_account(account, index);
            if self.backend.get(&extra)?.is_none() {
                break;
            }
            self.backend.delete(&extra)?;
        }
        Ok(())
    }
}

/// Keychain changes made so far by one operation, undone (newest first) if it fails before its SQLite
/// transaction commits.
pub(crate) struct KeychainUndo<'a> {
    credentials: &'a Credentials,
    previous: Vec<(String, Option<SecretString>)>,
}

impl<'a> KeychainUndo<'a> {
    /// Nothing changed yet.
    pub(crate) fn new(credentials: &'a Credentials) -> Self {
        Self {
            credentials,
            previous: Vec::new(),
        }
    }

    /// Sets (`Some`) or clears (`None`) `account`, remembering its old value.
    ///
    /// # Errors
    /// [`Error::Keychain`].
    pub(crate) fn set(&mut self, account: String, value: Option<&SecretString>) -> Result<()> {
        let old = self.credentials.get(&account)?;
        match value {
            Some(value) => {
                self.previous.push((account.clone(), old));
                self.credentials.set(&account, value)
            }
            None => {
                self.credentials.delete(&account)?;
                self.previous.push((account, old));
                Ok(())
            }
        }
    }

    /// Sets (`Some`) or clears (`None`) `account` of a row that `transaction` is creating, after claiming
    /// the account's reservation (see [`crate::keychain_journal`]): if the process dies before the
    /// commit, the next sweep removes the entry.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the account was not reserved; [`Error::Keychain`]; [`Error::Store`].
    pub(crate) fn set_new(
        &mut self,
        transaction: &rusqlite::Transaction<'_>,
        account: String,
        value: Option<&SecretString>,
    ) -> Result<()> {
        crate::keychain_journal::claim(transaction, &account)?;
        self.set(account, value)
    }

    /// The accounts changed so far.
    pub(crate) fn accounts(&self) -> Vec<String> {
        self.previous
            .iter()
            .map(|(account, _)| account.clone())
            .collect()
    }

    /// Restores every changed entry, newest first; best effort (the original error is what matters).
    pub(crate) fn rollback(self) {
        for (account, old) in self.previous.into_iter().rev() {
            let _ = match old {
                Some(old) => self.credentials.set(&account, &old),
                None => self.credentials.delete(&account),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Credentials {
        Credentials::new(Box::new(MemoryBackend::default()))
    }

    #[test]
    fn long_secret_is_split_across_numbered_entries_and_read_back_whole() {
        let credentials = memory();
        let token: String = (0..5_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        credentials
            .set("7/token", &SecretString::from(token.clone()))
            .unwrap();
        let back = credentials.get("7/token").unwrap().unwrap();
        assert_eq!(back.expose_secret(), token);
        assert_eq!(
            credentials
                .backend
                .get("7/token#9")
                .unwrap()
                .map(|c| c.len()),
            Some(200)
        );
        assert!(credentials.backend.get("7/token#10").unwrap().is_none());
    }

    #[test]
    fn shorter_value_removes_leftover_chunks() {
        let credentials = memory();
        credentials
            .set("1/token", &SecretString::from("x".repeat(1_500)))
            .unwrap();
        credentials
            .set("1/token", &SecretString::from("short".to_owned()))
            .unwrap();
        assert_eq!(
            credentials.get("1/token").unwrap().unwrap().expose_secret(),
            "short"
        );
        assert!(credentials.backend.get("1/token#2").unwrap().is_none());
        assert!(credentials.backend.get("1/token#3").unwrap().is_none());
    }

    #[test]
    fn value_of_exactly_one_chunk_round_trips() {
        let credentials = memory();
        let value = "é".repeat(CHUNK_CHARS);
        credentials
            .set("2/password", &SecretString::from(value.clone()))
            .unwrap();
        assert_eq!(
            credentials
                .get("2/password")
                .unwrap()
                .unwrap()
                .expose_secret(),
            value
        );
        credentials.delete("2/password").unwrap();
        assert!(credentials.get("2/password").unwrap().is_none());
    }
}
