//! "Send test email": renders a template with its sample data and sends it through an SMTP integration
//! (lettre), recording the attempt as a `test_email` run. Failures are classified like health checks.

use std::sync::Arc;
use std::time::Duration;

use lettre::AsyncTransport;
use serde::Serialize;
use ts_rs::TS;

use super::render::{render, Envelope, TemplateSource};
use crate::health::CheckErrorKind;
use crate::providers::smtp;
use crate::runs::{Run, RunKind, RunStatus};
use crate::{blocking, Error, Patchbay, Result};

/// How long one SMTP operation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Result of a test send.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SendOutcome {
    /// Whether the server accepted the message.
    pub delivered: bool,
    /// Why not, classified like health checks.
    pub error_kind: Option<CheckErrorKind>,
    /// One line for the toast.
    pub detail: String,
    /// The recorded run.
    pub run: Run,
}

/// Sends `source` rendered with `data` to `to` through SMTP integration `integration_id`.
///
/// # Errors
/// [`Error::Validation`] on `to` (not an address), `integration_id` (not SMTP), `from_address` (no sender
/// configured) or `template` (the template does not render in strict mode). Delivery failures are not
/// errors: they come back in the outcome and the run.
pub async fn send_test_email(
    core: &Arc<Patchbay>,
    source: TemplateSource,
    data: serde_json::Value,
    integration_id: i64,
    to: &str,
) -> Result<SendOutcome> {
    let to: lettre::message::Mailbox = to.trim().parse().map_err(|_| {
        Error::validation("to", format!("`{}` is not an e-mail address", to.trim()))
    })?;
    let target = blocking(core, move |core| core.check_target(integration_id)).await?;
    if target.provider != "smtp" {
        return Err(Error::validation(
            "integration_id",
            format!("integration {integration_id} is not an SMTP server"),
        ));
    }
    let sender = [target.setting("from_address"), target.setting("username")]
        .into_iter()
        .find(|a| a.contains('@'))
        .unwrap_or("");
    let from: lettre::message::Mailbox = sender.parse().map_err(|_| {
        Error::validation(
            "from_address",
            "set a From address on the SMTP integration to send test e-mails",
        )
    })?;
    let rendered = render(
        &source,
        &data,
        true,
        &Envelope {
            from: from.clone(),
            to: to.clone(),
        },
    )
    .map_err(|error| Error::validation("template", error.to_string()))?;
    let title = format!("Test e-mail “{}” to {}", rendered.subject, to.email);
    let run = blocking(core, move |core| {
        core.start_run(
            RunKind::TestEmail,
            &title,
            None,
            Some(integration_id),
            Some(1),
        )
    })
    .await?;
    // Each SMTP command may take up to its timeout: the whole exchange can outlast the 30 s after which
    // other processes take a silent run for dead.
    let _heartbeat = crate::runs::keep_alive(core, run.id, crate::runs::HEARTBEAT_EVERY);
    let envelope = lettre::address::Envelope::new(Some(from.email.clone()), vec![to.email.clone()])
        .map_err(|error| Error::Internal(error.to_string()))?;
    let outcome = match smtp::transport(&target, SMTP_TIMEOUT) {
        Err(verdict) => Err(verdict),
        Ok(transport) => transport
            .send_raw(&envelope, rendered.eml.as_bytes())
            .await
            .map_err(|error| smtp::classify(&error, target.setting("username"))),
    };
    let (delivered, error_kind, detail) = match outcome {
        Ok(response) => (
            true,
            None,
            format!("accepted by the SMTP server ({})", response.code()),
        ),
        Err(verdict) => (false, verdict.error_kind, verdict.detail),
    };
    let (run_id, status, summary) = (
        run.id,
        if delivered {
            RunStatus::Succeeded
        } else {
            RunStatus::Failed
        },
        detail.clone(),
    );
    let run = blocking(core, move |core| {
        core.run_progress(run_id, i64::from(delivered), None, None)?;
        if delivered {
            core.finish_run(run_id, status, Some(&summary), None)
        } else {
            core.finish_run(run_id, status, None, Some(&summary))
        }
    })
    .await?;
    Ok(SendOutcome {
        delivered,
        error_kind,
        detail,
        run,
    })
}
