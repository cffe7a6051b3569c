//! Export and import of a project's configuration as one versioned JSON document.
//!
//! The document carries a project's integrations (with their n8n routes), templates, bridges and the
//! webhook endpoints. Secrets are never in clear: they are left out, or carried in `secrets`, an
//! ASCII-armored [age](https://age-encryption.org/v1) file encrypted to a passphrase (scrypt).
//!
//! Import checks the whole document first — format and version, every item through the same
//! validation as the create forms, name clashes with what is already there, the passphrase — and then
//! writes everything in one SQLite transaction with the keychain writes undone on failure: an import
//! is whole or nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::crm::bridge::{self, BridgeInput, Mapping, OnRerun};
use crate::integrations::{self, NewIntegration, SecretsRequired};
use crate::n8n::routes::{self, RouteInput};
use crate::outbox::{self, EndpointInput};
use crate::providers;
use crate::secrets::{account, KeychainUndo};
use crate::templates::render::BodyFormat;
use crate::templates::store::{self as template_store, TemplateInput};
use crate::{projects, Error, Patchbay, Result};

/// Value of the document's `format` member.
pub const FORMAT: &str = "patchbay.project";
/// Version of the document this build writes and reads.
pub const VERSION: u32 = 1;
/// Shortest passphrase accepted for a secrets bundle, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// Largest document accepted by import, in bytes (a bundle is configuration, not data).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// A project's configuration as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectExport {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] of the writer.
    pub version: u32,
    /// Patchbay version that wrote it.
    pub app_version: String,
    /// Export time, RFC 3339 UTC.
    pub exported_at: String,
    /// Name of the exported project.
    pub project: String,
    /// Integrations, each with the names of its secret fields that held a value.
    #[serde(default)]
    pub integrations: Vec<ExportedIntegration>,
    /// Email templates.
    #[serde(default)]
    pub templates: Vec<ExportedTemplate>,
    /// Bitrix24 bridges between integrations of this document.
    #[serde(default)]
    pub bridges: Vec<ExportedBridge>,
    /// Audit-webhook endpoints.
    #[serde(default)]
    pub webhooks: Vec<ExportedWebhook>,
    /// The secrets: an ASCII-armored age file encrypted to a passphrase, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<String>,
}

/// An integration in an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedIntegration {
    /// Provider id.
    pub provider: String,
    /// Name, unique within the project.
    pub name: String,
    /// Scheduled checks on or off.
    pub active: bool,
    /// Seconds between checks.
    pub check_interval_s: i64,
    /// Non-secret field values.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Secret fields that held a value when exported (their values are only in `secrets`).
    #[serde(default)]
    pub secret_fields: Vec<String>,
    /// n8n routes (n8n integrations only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<ExportedRoute>,
}

/// An n8n route in an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedRoute {
    /// Action key.
    pub action_key: String,
    /// Webhook path.
    pub webhook_path: String,
    /// HTTP method.
    pub method: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Default payload (JSON text).
    #[serde(default)]
    pub default_payload: Option<String>,
    /// The n8n workflow id.
    #[serde(default)]
    pub workflow_id: Option<String>,
}

/// A template in an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedTemplate {
    /// Name.
    pub name: String,
    /// Subject.
    pub subject: String,
    /// Body language.
    pub format: BodyFormat,
    /// Body.
    pub body: String,
    /// Plain-text body.
    #[serde(default)]
    pub text_body: Option<String>,
    /// Sample data (JSON object as text).
    pub sample_data: String,
}

/// A bridge in an export; integrations are named, not numbered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedBridge {
    /// Name.
    pub name: String,
    /// Name of the source Bitrix24 integration in this document.
    pub source: String,
    /// Name of the target Bitrix24 integration in this document.
    pub target: String,
    /// Source stage that triggers a transfer.
    pub trigger_stage: String,
    /// Field and stage mapping.
    pub mapping: Mapping,
    /// Rerun behaviour.
    pub on_rerun: OnRerun,
}

/// A webhook endpoint in an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedWebhook {
    /// Name.
    pub name: String,
    /// Receiver URL.
    pub url: String,
    /// Extra headers, `Name: value` per line.
    #[serde(default)]
    pub headers: String,
    /// Subscribed events; all when empty.
    #[serde(default)]
    pub events: Vec<String>,
    /// Receives deliveries.
    pub active: bool,
    /// Had a signing secret when exported.
    pub signed: bool,
}

/// What the encrypted `secrets` member holds once decrypted (never written in clear).
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretValues {
    /// Integration name → field → value.
    #[serde(default)]
    integrations: BTreeMap<String, BTreeMap<String, String>>,
    /// Endpoint name → signing secret.
    #[serde(default)]
    webhooks: BTreeMap<String, String>,
}

impl Drop for SecretValues {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for fields in self.integrations.values_mut() {
            fields.values_mut().for_each(Zeroize::zeroize);
        }
        self.webhooks.values_mut().for_each(Zeroize::zeroize);
    }
}

/// How to import a document.
#[derive(Debug, Default, Deserialize, TS)]
#[ts(export)]
pub struct ImportOptions {
    /// Project to import into (created when missing); the exported project's name when absent.
    #[ts(optional)]
    pub project: Option<String>,
    /// Passphrase of the secrets bundle.
    #[ts(optional, type = "string")]
    pub passphrase: Option<SecretString>,
    /// Import without the secrets even though the document carries them: integrations whose required
    /// secrets are missing arrive inactive.
    #[serde(default)]
    pub skip_secrets: bool,
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ImportReport {
    /// Project imported into.
    #[ts(type = "number")]
    pub project_id: i64,
    /// Its name.
    pub project_name: String,
    /// Whether the project was created by this import.
    pub project_created: bool,
    /// Integrations created.
    pub integrations: u32,
    /// n8n routes created.
    pub routes: u32,
    /// Templates created.
    pub templates: u32,
    /// Bridges created.
    pub bridges: u32,
    /// Webhook endpoints created.
    pub webhooks: u32,
    /// Secret values written to the keychain.
    pub secrets: u32,
    /// Integrations imported inactive because a required secret was not in the document.
    pub needs_secrets: Vec<String>,
}

/// A summary of a document, shown before the user confirms an import.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ExportSummary {
    /// Exported project's name.
    pub project: String,
    /// Export time, RFC 3339.
    pub exported_at: String,
    /// Integrations in it.
    pub integrations: u32,
    /// Templates in it.
    pub templates: u32,
    /// Bridges in it.
    pub bridges: u32,
    /// Webhook endpoints in it.
    pub webhooks: u32,
    /// Whether it carries an encrypted secrets bundle.
    pub has_secrets: bool,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Parses and checks a document's envelope (size, JSON, `format`, `version`).
///
/// # Errors
/// [`Error::Validation`] on `file` saying what is wrong (not JSON — with line and column —, another
/// format, a newer version, too large).
pub fn parse(text: &str) -> Result<ProjectExport> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::validation(
            "file",
            format!(
                "is {} MB; a project export is at most {} MB",
                text.len() / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| Error::validation("file", format!("is not a Patchbay export: {error}")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(Error::validation(
            "file",
            format!("is not a Patchbay project export (its `format` is not `{FORMAT}`)"),
        ));
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) if v > u64::from(VERSION) => {
            return Err(Error::validation(
                "file",
                format!("was written by a newer Patchbay (export version {v}; this build reads {VERSION}): update Patchbay"),
            ))
        }
        _ => {
            return Err(Error::validation(
                "file",
                format!("has no supported `version` (this build reads {VERSION})"),
            ))
        }
    }
    serde_json::from_value(value)
        .map_err(|error| Error::validation("file", format!("is damaged: {error}")))
}

/// A summary of `text` for the import dialog.
///
/// # Errors
/// As [`parse`].
pub fn summarize(text: &str) -> Result<ExportSummary> {
    let document = parse(text)?;
    Ok(ExportSummary {
        project: document.project,
        exported_at: document.exported_at,
        integrations: count(document.integrations.len()),
        templates: count(document.templates.len()),
        bridges: count(document.bridges.len()),
        webhooks: count(document.webhooks.len()),
        has_secrets: document.secrets.is_some(),
    })
}

fn check_passphrase(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::validation(
            "passphrase",
            format!("use at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    Ok(())
}

fn encrypt(values: &SecretValues, passphrase: SecretString) -> Result<String> {
    let plain = Zeroizing::new(
        serde_json::to_vec(values).map_err(|error| Error::Internal(error.to_string()))?,
    );
    let recipient = age::scrypt::Recipient::new(passphrase);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
        .map_err(|error| Error::Internal(format!("encryption: {error}")))?;
    let mut armored = Vec::new();
    let internal = |error: std::io::Error| Error::Internal(format!("encryption: {error}"));
    let mut writer = encryptor
        .wrap_output(
            ArmoredWriter::wrap_output(&mut armored, Format::AsciiArmor).map_err(internal)?,
        )
        .map_err(internal)?;
    writer.write_all(&plain).map_err(internal)?;
    writer.finish().and_then(|w| w.finish()).map_err(internal)?;
    String::from_utf8(armored).map_err(|error| Error::Internal(error.to_string()))
}

fn decrypt(armored: &str, passphrase: SecretString) -> Result<SecretValues> {
    let wrong = || {
        Error::validation(
            "passphrase",
            "wrong passphrase: the secrets in this export could not be decrypted",
        )
    };
    let decryptor =
        age::Decryptor::new_buffered(ArmoredReader::new(armored.as_bytes())).map_err(|error| {
            Error::validation("file", format!("its secrets bundle is damaged: {error}"))
        })?;
    let identity = age::scrypt::Identity::new(passphrase);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|error| match error {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => wrong(),
            other => Error::validation(
                "file",
                format!("its secrets bundle cannot be read: {other}"),
            ),
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plain)
        .map_err(|_| Error::validation("file", "its secrets bundle is damaged"))?;
    serde_json::from_slice(&plain)
        .map_err(|_| Error::validation("file", "its secrets bundle is damaged"))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Patchbay {
    /// Exports project `project_id` as a pretty-printed JSON document. With a passphrase the
    /// secrets are read from the keychain and carried encrypted (age, scrypt); without one they are
    /// left out and only their field names are listed.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown project; [`Error::Validation`] on `passphrase` when shorter
    /// than [`MIN_PASSPHRASE_CHARS`]; [`Error::Keychain`] when a secret cannot be read; [`Error::Store`].
    pub fn export_project(
        &self,
        project_id: i64,
        passphrase: Option<SecretString>,
    ) -> Result<String> {
        if let Some(passphrase) = &passphrase {
            check_passphrase(passphrase)?;
        }
        let (project, found, templates) = {
            let connection = self.store.lock();
            (
                projects::get(&connection, project_id)?,
                integrations::in_project(&connection, project_id)?,
                template_store::in_project(&connection, project_id)?,
            )
        };
        let names: BTreeMap<i64, String> = found.iter().map(|i| (i.id, i.name.clone())).collect();
        let mut values = SecretValues::default();
        let mut exported = Vec::with_capacity(found.len());
        for integration in &found {
            if passphrase.is_some() {
                let mut fields = BTreeMap::new();
                for field in &integration.secrets_set {
                    if let Some(value) = self.credentials.get(&account(integration.id, field))? {
                        fields.insert(field.clone(), value.expose_secret().to_owned());
                    }
                }
                if !fields.is_empty() {
                    values.integrations.insert(integration.name.clone(), fields);
                }
            }
            let routes = if integration.provider == "n8n" {
                self.list_routes(integration.id)?
                    .into_iter()
                    .map(|r| ExportedRoute {
                        action_key: r.action_key,
                        webhook_path: r.webhook_path,
                        method: r.method,
                        description: r.description,
                        default_payload: r.default_payload,
                        workflow_id: r.workflow_id,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            exported.push(ExportedIntegration {
                provider: integration.provider.clone(),
                name: integration.name.clone(),
                active: integration.active,
                check_interval_s: integration.check_interval_s,
                config: integration.config.clone(),
                secret_fields: integration.secrets_set.clone(),
                routes,
            });
        }
        let bridges = self
            .list_bridges()?
            .into_iter()
            .filter_map(|b| {
                Some(ExportedBridge {
                    source: names.get(&b.source_integration_id)?.clone(),
                    target: names.get(&b.target_integration_id)?.clone(),
                    name: b.name,
                    trigger_stage: b.trigger_stage,
                    mapping: b.mapping,
                    on_rerun: b.on_rerun,
                })
            })
            .collect();
        let mut webhooks = Vec::new();
        for endpoint in self.list_endpoints()? {
            if passphrase.is_some() && endpoint.has_secret {
                if let Some(secret) = self.credentials.get(&outbox::secret_account(endpoint.id))? {
                    values
                        .webhooks
                        .insert(endpoint.name.clone(), secret.expose_secret().to_owned());
                }
            }
            webhooks.push(ExportedWebhook {
                name: endpoint.name,
                url: endpoint.url,
                headers: endpoint.headers,
                events: endpoint.events,
                active: endpoint.active,
                signed: endpoint.has_secret,
            });
        }
        let secrets = match passphrase {
            Some(passphrase) => Some(encrypt(&values, passphrase)?),
            None => None,
        };
        let document = ProjectExport {
            format: FORMAT.into(),
            version: VERSION,
            app_version: env!("CARGO_PKG_VERSION").into(),
            exported_at: now_rfc3339(),
            project: project.name,
            integrations: exported,
            templates: templates
                .into_iter()
                .map(|t| ExportedTemplate {
                    name: t.name,
                    subject: t.subject,
                    format: t.format,
                    body: t.body,
                    text_body: t.text_body,
                    sample_data: t.sample_data,
                })
                .collect(),
            bridges,
            webhooks,
            secrets,
        };
        serde_json::to_string_pretty(&document).map_err(|error| Error::Internal(error.to_string()))
    }

    /// Imports a document written by [`Patchbay::export_project`]: everything is checked first, then
    /// written in one transaction (keychain writes undone on failure). Nothing that exists is
    /// overwritten: a name already taken in the target project (or an endpoint name already taken)
    /// fails the import with every clash listed.
    ///
    /// # Errors
    /// [`Error::Validation`] on `file` (see [`parse`]), on `passphrase` (missing while the document
    /// carries secrets, or wrong), or on an item's field as `integrations[2].port`;
    /// [`Error::Conflict`] listing the clashing names; [`Error::Keychain`]; [`Error::Store`].
    pub fn import_project(&self, text: &str, options: ImportOptions) -> Result<ImportReport> {
        let document = parse(text)?;
        let values = match (&document.secrets, options.passphrase, options.skip_secrets) {
            (None, _, _) | (Some(_), _, true) => SecretValues::default(),
            (Some(_), None, false) => {
                return Err(Error::validation(
                    "passphrase",
                    "this export carries encrypted secrets: enter its passphrase, or import without secrets",
                ))
            }
            (Some(armored), Some(passphrase), false) => decrypt(armored, passphrase)?,
        };
        let project_name = options
            .project
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .unwrap_or(&document.project)
            .to_owned();
        check_references(&document)?;

        let integrations = crate::keychain_journal::NewIds {
            table: "integrations",
            count: document.integrations.len(),
            accounts_of: &crate::integrations::any_secret_accounts,
        };
        let webhooks = crate::keychain_journal::NewIds {
            table: "webhook_endpoints",
            count: document.webhooks.len(),
            accounts_of: &|id| vec![crate::outbox::secret_account(id)],
        };
        crate::keychain_journal::create(
            &mut self.store.lock(),
            &self.credentials,
            &[integrations, webhooks],
            |transaction, undo| {
                let existing = projects::find_by_name(transaction, &project_name)?;
                report_clashes(transaction, existing.as_ref().map(|p| p.id), &document)?;
                let (project, project_created) = match existing {
                    Some(project) => (project, false),
                    None => (projects::create(transaction, &project_name)?, true),
                };
                let mut report =
                    self.write_document(transaction, project.id, &document, &values, undo)?;
                report.project_created = project_created;
                report.project_id = project.id;
                report.project_name = project.name;
                Ok(report)
            },
        )
    }

    fn write_document(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        project_id: i64,
        document: &ProjectExport,
        values: &SecretValues,
        undo: &mut KeychainUndo<'_>,
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            project_id,
            project_name: String::new(),
            project_created: false,
            integrations: 0,
            routes: 0,
            templates: 0,
            bridges: 0,
            webhooks: 0,
            secrets: 0,
            needs_secrets: Vec::new(),
        };
        let mut ids = BTreeMap::new();
        for (index, item) in document.integrations.iter().enumerate() {
            let at = |error: Error| in_item("integrations", index, &item.name, error);
            let provider = providers::get(&item.provider).map_err(at)?;
            let spec = provider.spec();
            let secrets: BTreeMap<String, SecretString> = values
                .integrations
                .get(&item.name)
                .into_iter()
                .flatten()
                .map(|(field, value)| (field.clone(), SecretString::from(value.clone())))
                .collect();
            let missing_required = spec
                .fields
                .iter()
                .any(|f| f.secret && f.required && !secrets.contains_key(f.name));
            report.secrets += count(secrets.len());
            let integration = self
                .insert_integration(
                    transaction,
                    NewIntegration {
                        project_id: Some(project_id),
                        provider: item.provider.clone(),
                        name: item.name.clone(),
                        active: Some(item.active && !missing_required),
                        check_interval_s: Some(item.check_interval_s),
                        config: item.config.clone(),
                        secrets,
                    },
                    undo,
                    SecretsRequired::No,
                )
                .map_err(at)?;
            if missing_required {
                report.needs_secrets.push(integration.name.clone());
            }
            for (route_index, route) in item.routes.iter().enumerate() {
                if integration.provider != "n8n" {
                    return Err(at(Error::validation(
                        "routes",
                        "only n8n integrations have routes",
                    )));
                }
                routes::insert_route(
                    transaction,
                    integration.id,
                    &RouteInput {
                        action_key: route.action_key.clone(),
                        webhook_path: route.webhook_path.clone(),
                        method: Some(route.method.clone()),
                        description: Some(route.description.clone()),
                        default_payload: route.default_payload.clone(),
                        workflow_id: route.workflow_id.clone(),
                    },
                )
                .map_err(|error| {
                    in_item(
                        &format!("integrations[{index}].routes"),
                        route_index,
                        &route.action_key,
                        error,
                    )
                })?;
                report.routes += 1;
            }
            ids.insert(item.name.clone(), integration.id);
            report.integrations += 1;
        }
        for (index, item) in document.templates.iter().enumerate() {
            template_store::insert_template(
                transaction,
                &TemplateInput {
                    project_id: Some(project_id),
                    name: item.name.clone(),
                    subject: item.subject.clone(),
                    format: item.format,
                    body: item.body.clone(),
                    text_body: item.text_body.clone(),
                    sample_data: Some(item.sample_data.clone()),
                },
            )
            .map_err(|error| in_item("templates", index, &item.name, error))?;
            report.templates += 1;
        }
        for (index, item) in document.bridges.iter().enumerate() {
            // check_references made sure both names are in the document.
            let (Some(&source), Some(&target)) = (ids.get(&item.source), ids.get(&item.target))
            else {
                return Err(Error::Internal("bridge references checked before".into()));
            };
            bridge::write_bridge(
                transaction,
                None,
                &BridgeInput {
                    name: item.name.clone(),
                    source_integration_id: source,
                    target_integration_id: target,
                    trigger_stage: item.trigger_stage.clone(),
                    mapping: item.mapping.clone(),
                    on_rerun: item.on_rerun,
                },
            )
            .map_err(|error| in_item("bridges", index, &item.name, error))?;
            report.bridges += 1;
        }
        for (index, item) in document.webhooks.iter().enumerate() {
            let secret = values
                .webhooks
                .get(&item.name)
                .map(|s| SecretString::from(s.clone()));
            report.secrets += u32::from(secret.is_some());
            let endpoint = outbox::insert_endpoint(
                transaction,
                &EndpointInput {
                    name: item.name.clone(),
                    url: item.url.clone(),
                    headers: item.headers.clone(),
                    events: item.events.clone(),
                    secret,
                },
                undo,
            )
            .map_err(|error| in_item("webhooks", index, &item.name, error))?;
            if !item.active {
                transaction.execute(
                    "UPDATE webhook_endpoints SET active = 0 WHERE id = ?1",
                    [endpoint.id],
                )?;
            }
            report.webhooks += 1;
        }
        Ok(report)
    }
}

/// Prefixes a validation or conflict error with the item it is about: `integrations[2].port`,
/// "Mail: must be 1–65535".
fn in_item(list: &str, index: usize, name: &str, error: Error) -> Error {
    match error {
        Error::Validation { field, message } => Error::Validation {
            field: format!("{list}[{index}].{field}"),
            message: format!("{name}: {message}"),
        },
        Error::Conflict { field, message } => Error::Conflict {
            field: format!("{list}[{index}].{field}"),
            message: format!("{name}: {message}"),
        },
        Error::NotFound { what, id } => Error::validation(
            format!("{list}[{index}]"),
            format!("{name}: {what} {id} not found"),
        ),
        other => other,
    }
}

/// Names inside the document must be unique per kind, and bridges must name integrations of it.
fn check_references(document: &ProjectExport) -> Result<()> {
    fn unique<'a>(list: &str, names: impl Iterator<Item = &'a str>) -> Result<()> {
        let mut seen = BTreeSet::new();
        for (index, name) in names.enumerate() {
            if !seen.insert(name.trim().to_lowercase()) {
                return Err(Error::validation(
                    format!("{list}[{index}].name"),
                    format!("`{name}` appears twice in this export"),
                ));
            }
        }
        Ok(())
    }
    unique(
        "integrations",
        document.integrations.iter().map(|i| i.name.as_str()),
    )?;
    unique(
        "templates",
        document.templates.iter().map(|t| t.name.as_str()),
    )?;
    unique("bridges", document.bridges.iter().map(|b| b.name.as_str()))?;
    unique(
        "webhooks",
        document.webhooks.iter().map(|w| w.name.as_str()),
    )?;
    for (index, item) in document.bridges.iter().enumerate() {
        for (field, name) in [("source", &item.source), ("target", &item.target)] {
            if !document.integrations.iter().any(|i| &i.name == name) {
                return Err(Error::validation(
                    format!("bridges[{index}].{field}"),
                    format!(
                        "{}: no integration named `{name}` in this export",
                        item.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Fails with every name of the document that is already taken, so the user sees them all at once.
fn report_clashes(
    connection: &Connection,
    project_id: Option<i64>,
    document: &ProjectExport,
) -> Result<()> {
    let mut clashes = Vec::new();
    let taken = |sql: &str, id: i64, name: &str| -> Result<bool> {
        Ok(connection
            .query_row(sql, rusqlite::params![id, name.trim()], |_| Ok(()))
            .map(|()| true)
            .or_else(|error| match error {
                rusqlite::Error::QueryReturnedNoRows => Ok(false),
                other => Err(other),
            })?)
    };
    if let Some(project_id) = project_id {
        for item in &document.integrations {
            if taken(
                "SELECT 1 FROM integrations WHERE project_id = ?1 AND lower(name) = lower(?2)",
                project_id,
                &item.name,
            )? {
                clashes.push(format!("integration `{}`", item.name));
            }
        }
        for item in &document.templates {
            if taken(
                "SELECT 1 FROM templates WHERE project_id = ?1 AND name = ?2",
                project_id,
                &item.name,
            )? {
                clashes.push(format!("template `{}`", item.name));
            }
        }
    }
    for item in &document.bridges {
        if taken(
            "SELECT 1 FROM bridges WHERE ?1 = ?1 AND lower(name) = lower(?2)",
            0,
            &item.name,
        )? {
            clashes.push(format!("bridge `{}`", item.name));
        }
    }
    for item in &document.webhooks {
        if taken(
            "SELECT 1 FROM webhook_endpoints WHERE ?1 = ?1 AND name = ?2",
            0,
            &item.name,
        )? {
            clashes.push(format!("webhook endpoint `{}`", item.name));
        }
    }
    if clashes.is_empty() {
        return Ok(());
    }
    Err(Error::Conflict {
        field: "name".into(),
        message: format!(
            "nothing was imported: {} already exist{} ({}); import into another project, or rename or remove them first",
            clashes.len(),
            if clashes.len() == 1 { "s" } else { "" },
            clashes.join(", ")
        ),
    })
}
