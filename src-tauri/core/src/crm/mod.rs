//! CRM sync: Kommo (amoCRM) API v4 and Bitrix24 REST clients that page through pipelines/stages, deals
//! and contacts into `crm_records` (which is also the id map), as persisted, resumable `crm_sync` runs.
//!
//! Each page is upserted in the same SQLite transaction that saves the run's cursor, so a run killed at
//! any moment resumes at the first page not yet committed and a rerun never duplicates a record.

pub mod bitrix24;
pub mod bridge;
pub mod http;
pub mod kommo;
pub mod records;
pub mod schedule;
pub mod sync;

/// The HTTP context of CRM sync and bridge runs: 30 s per request, 10 s to connect.
///
/// # Errors
/// [`crate::Error::Internal`] when the HTTP client cannot be built.
pub(crate) fn request_context() -> crate::Result<crate::health::CheckContext> {
    crate::health::CheckContext::new(
        std::time::Duration::from_secs(30),
        std::time::Duration::from_secs(10),
    )
    .map_err(crate::Error::Internal)
}

/// What this process has in progress, by key (an integration's sync, a bridge's run), each with a value
/// that can be filled in later (the run's id once recorded). Cheap to clone: clones share the set.
#[derive(Clone)]
pub(crate) struct InProgress<V>(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<i64, V>>>,
);

impl<V> Default for InProgress<V> {
    fn default() -> Self {
        Self(std::sync::Arc::default())
    }
}

impl<V: Clone> InProgress<V> {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, V>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks `key` in progress with `value`, until the returned claim is dropped; `None` if it already is.
    pub(crate) fn claim(&self, key: i64, value: V) -> Option<Claim<V>> {
        let mut map = self.map();
        if map.contains_key(&key) {
            return None;
        }
        map.insert(key, value);
        Some(Claim {
            set: self.clone(),
            key,
        })
    }

    /// Replaces the value of a claimed `key`.
    pub(crate) fn set(&self, key: i64, value: V) {
        if let Some(slot) = self.map().get_mut(&key) {
            *slot = value;
        }
    }

    /// Whether any key in progress has a value that satisfies `test`.
    pub(crate) fn any(&self, test: impl Fn(&V) -> bool) -> bool {
        self.map().values().any(test)
    }
}

/// A key of an [`InProgress`] set, released when dropped — however the work ends.
pub(crate) struct Claim<V: Clone> {
    set: InProgress<V>,
    key: i64,
}

impl<V: Clone> Drop for Claim<V> {
    fn drop(&mut self) {
        self.set.map().remove(&self.key);
    }
}
