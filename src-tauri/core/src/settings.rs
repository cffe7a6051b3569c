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
    /// Check interval offered for new integrations, s (30–86,400).
    #[ts(type = "number")]
    pub default_check_interval_s: i64,
    /// Consecutive failed scheduled checks before a healthy integration turns unhealthy (1–10).
    pub failures_before_unhealthy: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            notifications_muted: false,
            checks_paused: false,
            default_check_interval_s: crate::integrations::DEFAULT_CHECK_INTERVAL_S,
            failures_before_unhealthy: crate::health::service::DEFAULT_FAILURES_BEFORE_UNHEALTHY,
        }
    }
}

impl Settings {
    /// Checks ranges.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field.
    pub fn validate(&self) -> Result<()> {
        use crate::integrations::{MAX_CHECK_INTERVAL_S, MIN_CHECK_INTERVAL_S};
        if !(MIN_CHECK_INTERVAL_S..=MAX_CHECK_INTERVAL_S).contains(&self.default_check_interval_s) {
            return Err(Error::validation(
                "default_check_interval_s",
                format!("must be {MIN_CHECK_INTERVAL_S} to {MAX_CHECK_INTERVAL_S} seconds"),
            ));
        }
        if !(1..=10).contains(&self.failures_before_unhealthy) {
            return Err(Error::validation(
                "failures_before_unhealthy",
                "must be 1 to 10",
            ));
        }
        Ok(())
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
            .query_row("SELECT value FROM settings WHERE key = ?1", [KEY], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Replaces the preferences.
    ///
    /// # Errors
    /// [`Error::Validation`] for out-of-range values (nothing is saved); [`Error::Store`].
    pub fn save_settings(&self, settings: &Settings) -> Result<Settings> {
        settings.validate()?;
        let json =
            serde_json::to_string(settings).map_err(|error| Error::Internal(error.to_string()))?;
        self.store.lock().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![KEY, json],
        )?;
        Ok(settings.clone())
    }
}
