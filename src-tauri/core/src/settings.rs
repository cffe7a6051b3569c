//! User preferences stored in SQLite, with defaults for keys never set.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Error, Patchbay, Result};

/// Preferences shared by the app and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Settings {
    /// No native desktop toasts when integrations change health.
    pub notifications_muted: bool,
    /// Scheduled checks are paused (manual tests still run).
    pub checks_paused: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self { notifications_muted: false, checks_paused: false }
    }
}

const KEY: &str = "preferences";

impl Patchbay {
    /// The stored preferences, defaults for anything unset.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn settings(&self) -> Result<Settings> {
        let stored: Option<String> = self
            .store
            .lock()
            .query_row("SELECT value FROM settings WHERE key = ?1", [KEY], |row| row.get(0))
            .optional()?;
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    /// Replaces the preferences.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn save_settings(&self, settings: &Settings) -> Result<Settings> {
        let json = serde_json::to_string(settings).map_err(|error| Error::Internal(error.to_string()))?;
        self.store.lock().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![KEY, json],
        )?;
        Ok(settings.clone())
    }
}
