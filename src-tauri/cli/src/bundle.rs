//! `patchbay project export` and `patchbay project import`.

use std::path::Path;

use patchbay_core::bundle::{self, ImportOptions};
use patchbay_core::{Error, Patchbay, SecretString};

use crate::{output, secret_input};

/// Exports project `name` to `out` (or stdout); with `with_secrets` the passphrase comes from
/// `PATCHBAY_PASSPHRASE` or stdin. The file is written whole or not at all (temporary file + rename).
///
/// # Errors
/// [`Error::NotFound`] for an unknown project; as [`Patchbay::export_project`]; [`Error::Validation`]
/// on `out` when the file cannot be written.
pub fn export(
    core: &Patchbay,
    name: &str,
    out: Option<&Path>,
    with_secrets: bool,
) -> patchbay_core::Result<()> {
    let project = core
        .list_projects()?
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| Error::NotFound {
            what: "project",
            id: name.to_owned(),
        })?;
    let passphrase = if with_secrets {
        Some(SecretString::from(secret_input(
            "PATCHBAY_PASSPHRASE",
            "passphrase",
        )?))
    } else {
        None
    };
    let text = core.export_project(project.id, passphrase)?;
    match out {
        None => println!("{text}"),
        Some(path) => {
            let unwritable = |error: std::io::Error| {
                Error::validation("out", format!("cannot write {}: {error}", path.display()))
            };
            let partial = path.with_extension("partial");
            std::fs::write(&partial, format!("{text}\n")).map_err(unwritable)?;
            std::fs::rename(&partial, path).map_err(|error| {
                let _ = std::fs::remove_file(&partial);
                unwritable(error)
            })?;
            eprintln!("exported project {} to {}", project.name, path.display());
        }
    }
    Ok(())
}

/// Imports `file`; reads the passphrase only when the export carries secrets and they are wanted.
///
/// # Errors
/// [`Error::Validation`] on `file` when it cannot be read; as [`Patchbay::import_project`].
pub fn import(
    json: bool,
    core: &Patchbay,
    file: &Path,
    into: Option<String>,
    skip_secrets: bool,
) -> patchbay_core::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|error| {
        Error::validation("file", format!("cannot read {}: {error}", file.display()))
    })?;
    let summary = bundle::summarize(&text)?;
    let passphrase = if summary.has_secrets && !skip_secrets {
        Some(SecretString::from(secret_input(
            "PATCHBAY_PASSPHRASE",
            "passphrase",
        )?))
    } else {
        None
    };
    let report = core.import_project(
        &text,
        ImportOptions {
            project: into,
            passphrase,
            skip_secrets,
        },
    )?;
    output(json, &report, || {
        let mut text = format!(
            "imported into project {}{}: {} integrations ({} routes), {} templates, {} bridges, {} webhook endpoints, {} secrets",
            report.project_name,
            if report.project_created { " (new)" } else { "" },
            report.integrations,
            report.routes,
            report.templates,
            report.bridges,
            report.webhooks,
            report.secrets
        );
        if !report.needs_secrets.is_empty() {
            text.push_str(&format!(
                "\ninactive until their secrets are entered: {}",
                report.needs_secrets.join(", ")
            ));
        }
        text
    })
}
