//! Providers: the kinds of external system Patchbay connects to.
//!
//! Each provider lives in its own file and declares, in one [`ProviderSpec`], the fields an integration of
//! that kind has (type, required, default, secret, help text) plus its setup instructions. The UI form, the
//! CLI's `--set`/`--secret` and validation all read that one declaration. Adding a provider means one new
//! file and one line in [`registry`].

mod bitrix24;
pub mod catalog;
mod http;
mod kommo;
mod n8n;
mod postgres;
pub mod smtp;
mod telegram_bot;
pub mod validate;

use serde::Serialize;
use ts_rs::TS;

use crate::health::{CheckContext, CheckFuture, CheckTarget};

/// The type of a field's value, which decides its validation and its form control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum FieldKind {
    /// Free single-line text.
    Text,
    /// A host name or IP address (no scheme, no path).
    Host,
    /// An absolute `http://` or `https://` URL.
    Url,
    /// A TCP port, 1–65535.
    Port,
    /// One of a fixed list of values.
    Choice {
        /// Allowed values, in display order.
        options: Vec<&'static str>,
    },
    /// An e-mail address (RFC 5321 mailbox).
    Email,
    /// HTTP headers, one `Name: value` per line.
    Headers,
    /// HTTP status codes: `200`, `200-299`, or a comma-separated list of those.
    StatusRange,
}

/// One field of a provider's configuration.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FieldSpec {
    /// Stable field name: the CLI's `--set name=…`, the form id, the export key.
    pub name: &'static str,
    /// Label shown in the form.
    pub label: &'static str,
    /// Value type.
    pub kind: FieldKind,
    /// Whether a value must be given.
    pub required: bool,
    /// Secret fields are stored in the OS keychain, never in SQLite, and are masked in the UI.
    pub secret: bool,
    /// Value used when none is given (never set for secrets).
    pub default: Option<&'static str>,
    /// Example shown as a placeholder.
    pub placeholder: Option<&'static str>,
    /// One sentence telling what to enter and where to find it.
    pub help: &'static str,
}

/// Everything the app knows about one provider.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProviderSpec {
    /// Stable id (`smtp`, `n8n` …).
    pub id: &'static str,
    /// Display name.
    pub label: &'static str,
    /// One line describing the system.
    pub description: &'static str,
    /// Setup instructions shown in the catalog's help popover, one step per entry.
    pub setup_steps: Vec<&'static str>,
    /// Configuration fields, in form order.
    pub fields: Vec<FieldSpec>,
}

impl ProviderSpec {
    /// The field called `name`, if the provider has one.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// Names of the secret fields.
    pub fn secret_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .filter(|field| field.secret)
            .map(|field| field.name)
    }
}

/// Behaviour every provider implements. Field-level rules come from the spec; `validate` adds rules that
/// span fields.
pub trait Provider: Send + Sync {
    /// The provider's declaration.
    fn spec(&self) -> ProviderSpec;

    /// Cross-field validation after every field passed its own checks. `config` holds the non-secret
    /// values with defaults applied; `secrets_set` names the secret fields that will hold a value.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] naming the field to fix.
    fn validate(&self, _config: &validate::Config, _secrets_set: &[&str]) -> crate::Result<()> {
        Ok(())
    }

    /// Provider-specific check of one secret value (after [`validate::check_secret`]). The message must
    /// not contain the value.
    ///
    /// # Errors
    /// A message describing the expected shape.
    fn validate_secret(&self, _field: &str, _value: &str) -> Result<(), String> {
        Ok(())
    }

    /// Probes the system once. Runs under the context's total timeout; must not put secrets in the
    /// verdict's detail.
    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a>;
}

/// Kommo's API base for an integration (its `base_url`, else `https://{subdomain}.kommo.com`).
pub fn kommo_api_base(target: &crate::health::CheckTarget) -> String {
    kommo::api_base(target)
}

/// Maps a Bitrix24 `{error, error_description}` to a classified verdict.
pub fn bitrix24_error(code: &str, description: &str, status: u16) -> crate::health::Verdict {
    bitrix24::classify_error(code, description, status)
}

/// Every provider, in catalog order: the code providers, then the declarative ones from `catalog.json`.
pub fn registry() -> &'static [&'static dyn Provider] {
    static REGISTRY: std::sync::OnceLock<Vec<&'static dyn Provider>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut providers: Vec<&'static dyn Provider> = vec![
            &smtp::Smtp,
            &http::Http,
            &n8n::N8n,
            &kommo::Kommo,
            &bitrix24::Bitrix24,
            &telegram_bot::TelegramBot,
            &postgres::Postgres,
        ];
        providers.extend(
            catalog::builtin()
                .iter()
                .map(|provider| provider as &dyn Provider),
        );
        providers
    })
}

/// The provider with id `id`.
///
/// # Errors
/// [`crate::Error::Validation`] on field `provider` when no provider has that id.
pub fn get(id: &str) -> crate::Result<&'static dyn Provider> {
    registry()
        .iter()
        .copied()
        .find(|provider| provider.spec().id == id)
        .ok_or_else(|| {
            let known: Vec<_> = registry()
                .iter()
                .map(|provider| provider.spec().id)
                .collect();
            crate::Error::validation(
                "provider",
                format!(
                    "unknown provider `{id}`; expected one of: {}",
                    known.join(", ")
                ),
            )
        })
}

/// The specs of every provider, for the UI's catalog.
pub fn catalog() -> Vec<ProviderSpec> {
    registry().iter().map(|provider| provider.spec()).collect()
}
