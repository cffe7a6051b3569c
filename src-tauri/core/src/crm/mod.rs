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
