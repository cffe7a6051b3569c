//! `patchbay-core`: the product logic of Patchbay, with no Tauri dependency.
//!
//! The desktop app (`patchbay-app`) and the CLI (`patchbay`) are thin hosts over [`Patchbay`], which owns
//! the SQLite [`store::Store`] and the OS-keychain [`secrets::Credentials`]. Calls are blocking (SQLite and
//! the keychain are); async hosts run them on blocking threads.
//!
//! Modules read like the product: [`projects`], [`integrations`], [`providers`] (one file per provider),
//! [`health`] (probes, history, scheduler), [`secrets`], [`store`].

pub mod bundle;
pub mod crm;
pub mod error;
pub mod health;
pub mod integrations;
pub(crate) mod keychain_journal;
pub mod n8n;
pub mod outbox;
pub mod owners;
pub mod projects;
pub mod providers;
pub mod redact;
pub mod runs;
pub mod secrets;
pub mod settings;
pub mod signing;
pub mod store;
pub mod templates;

use std::path::{Path, PathBuf};

pub use error::{Error, ErrorKind, ErrorPayload, Result};
pub use integrations::{
    HealthStatus, Integration, IntegrationQuery, IntegrationUpdate, NewIntegration, Page, SortKey,
};
pub use projects::Project;
pub use secrecy::{ExposeSecret, SecretString};

/// The app identifier: the OS data-dir folder name and the keychain service name.
pub const APP_IDENTIFIER: &str = "app.patchbay.desktop";

/// Environment variable that overrides the data dir (tests, scripts, several profiles).
pub const DATA_DIR_ENV: &str = "PATCHBAY_DATA_DIR";

/// The data dir: `$PATCHBAY_DATA_DIR` when set, else `<OS data dir>/app.patchbay.desktop`
/// (`~/.local/share/…` on Linux, `~/Library/Application Support/…` on macOS, `%APPDATA%\…` on Windows).
///
/// # Errors
/// [`Error::Store`] when the OS reports no data dir and no override is set.
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|dir| dir.join(APP_IDENTIFIER))
        .ok_or_else(|| {
            Error::Store(format!(
                "the OS reports no data directory; set {DATA_DIR_ENV}"
            ))
        })
}

/// Runs `call` on the core on tokio's blocking pool (SQLite and the keychain block), from async code.
///
/// # Errors
/// What `call` returns; [`Error::Internal`] when the blocking task panicked or was cancelled.
pub(crate) async fn blocking<T: Send + 'static>(
    core: &std::sync::Arc<Patchbay>,
    call: impl FnOnce(&Patchbay) -> Result<T> + Send + 'static,
) -> Result<T> {
    let core = std::sync::Arc::clone(core);
    tokio::task::spawn_blocking(move || call(&core))
        .await
        .map_err(|error| Error::Internal(error.to_string()))?
}

/// The core: database and credentials, shared by every host.
pub struct Patchbay {
    store: store::Store,
    credentials: secrets::Credentials,
}

impl Patchbay {
    /// Opens the database in `data_dir` with credentials in the OS keychain, sweeps keychain entries left
    /// by interrupted deletions (a locked keychain postpones that, it does not fail the open), marks the runs
    /// of ended processes interrupted and removes their lock files ([`owners`]).
    ///
    /// # Errors
    /// As [`store::Store::open`].
    pub fn open(data_dir: &Path) -> Result<Self> {
        let patchbay = Self::with_parts(
            store::Store::open(data_dir)?,
            secrets::Credentials::new(Box::new(secrets::Keychain::new(APP_IDENTIFIER))),
        );
        let _ = patchbay.sweep_keychain_tombstones();
        patchbay.interrupt_stale_runs(store::now_ms())?;
        if let Some(owner) = patchbay.store.owner() {
            owner.remove_ended();
        }
        Ok(patchbay)
    }

    /// A core over the given parts (tests use an in-memory store and keychain).
    pub fn with_parts(store: store::Store, credentials: secrets::Credentials) -> Self {
        Self { store, credentials }
    }

    /// The database.
    pub fn store(&self) -> &store::Store {
        &self.store
    }

    /// Every provider's declaration, for catalogs and forms.
    pub fn providers(&self) -> Vec<providers::ProviderSpec> {
        providers::catalog()
    }

    /// Every project, by name.
    ///
    /// # Errors
    /// [`Error::Store`] if SQLite fails.
    pub fn list_projects(&self) -> Result<Vec<Project>> {
        projects::list(&self.store.lock())
    }

    /// Creates a project.
    ///
    /// # Errors
    /// As [`projects::create`].
    pub fn create_project(&self, name: &str) -> Result<Project> {
        projects::create(&self.store.lock(), name)
    }

    /// The project named `name` (case-insensitive).
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    pub fn project_by_name(&self, name: &str) -> Result<Project> {
        projects::find_by_name(&self.store.lock(), name)?.ok_or_else(|| Error::NotFound {
            what: "project",
            id: name.to_owned(),
        })
    }
}
