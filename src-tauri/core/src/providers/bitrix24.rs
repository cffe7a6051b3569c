//! Bitrix24 via an incoming webhook (`https://<portal>/rest/<user>/<code>/`), documented at
//! <https://apidocs.bitrix24.com/local-integrations/local-webhooks.html>. The webhook code is a credential,
//! so the whole URL is a secret field.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{self, CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// A Bitrix24 portal reached through an incoming webhook.
pub struct Bitrix24;

impl Provider for Bitrix24 {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "bitrix24",
            label: "Bitrix24",
            description: "CRM: categories, stages, deals and contacts through an incoming webhook.",
            setup_steps: vec![
                "In Bitrix24 open Developer resources → Other → Inbound webhook.",
                "Grant the CRM scope (crm) and save.",
                "Copy the whole webhook URL, e.g. https://acme.bitrix24.com/rest/1/abc123xyz/ — the code in it is a password.",
            ],
            fields: vec![FieldSpec {
                name: "webhook_url",
                label: "Incoming webhook URL",
                kind: FieldKind::Url,
                required: true,
                secret: true,
                default: None,
                placeholder: Some("https://acme.bitrix24.com/rest/1/abc123xyz/"),
                help: "The full inbound webhook URL. Stored in the OS keychain because the code in it grants access.",
            }],
        }
    }

    fn validate_secret(&self, field: &str, value: &str) -> Result<(), String> {
        if field == "webhook_url" {
            check_webhook_url(value)?;
        }
        Ok(())
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

/// Checks the shape `https://<portal>/rest/<user id>/<code>/` without echoing the value (it is a secret).
///
/// # Errors
/// A message describing the expected shape.
pub fn check_webhook_url(value: &str) -> Result<(), String> {
    let expected = "expected https://<portal>/rest/<user id>/<webhook code>/";
    let url = url::Url::parse(value).map_err(|_| format!("is not a valid URL; {expected}"))?;
    let segments: Vec<_> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let user_ok = segments
        .get(1)
        .is_some_and(|user| user.chars().all(|c| c.is_ascii_digit()));
    if url.host_str().is_none() || segments.len() != 3 || segments[0] != "rest" || !user_ok {
        return Err(format!("has the wrong shape; {expected}"));
    }
    Ok(())
}

/// Calls `profile` on the incoming webhook (`{webhook_url}profile.json`) and maps Bitrix24's error bodies
/// `{error, error_description}` (REST API "Errors"): bad or expired credentials → auth,
/// `QUERY_LIMIT_EXCEEDED` → rate limited.
async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let Some(webhook) = target.secret("webhook_url") else {
        return Verdict::failed(
            CheckErrorKind::Config,
            "no webhook URL is stored for this integration",
        );
    };
    let url = format!("{}/profile.json", webhook.trim_end_matches('/'));
    let reply = match health::send(context, context.http.get(url)).await {
        Ok(reply) => reply,
        Err(verdict) => return verdict,
    };
    let body = serde_json::from_slice::<serde_json::Value>(&reply.body).ok();
    if let Some(code) = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .and_then(|e| e.as_str())
    {
        let description = body
            .as_ref()
            .and_then(|b| b.get("error_description"))
            .and_then(|d| d.as_str())
            .unwrap_or("");
        return classify_error(code, description, reply.status);
    }
    if reply.status != 200 {
        return reply.status_failure("Bitrix24");
    }
    match body
        .as_ref()
        .and_then(|b| b.get("result"))
        .filter(|r| r.is_object())
    {
        Some(profile) => {
            let name = [profile.get("NAME"), profile.get("LAST_NAME")]
                .iter()
                .filter_map(|part| part.and_then(|v| v.as_str()))
                .collect::<Vec<_>>()
                .join(" ");
            reply.healthy(if name.is_empty() {
                "webhook accepted".to_owned()
            } else {
                format!("webhook of {name}")
            })
        }
        None => Verdict::failed(
            CheckErrorKind::BadResponse,
            format!(
                "expected {{\"result\": …}} from Bitrix24, got {}",
                health::preview(&reply.body)
            ),
        ),
    }
}

/// Maps a Bitrix24 error code (and, for codes it does not know, the HTTP `status`) to a verdict.
pub fn classify_error(code: &str, description: &str, status: u16) -> Verdict {
    let detail = if description.is_empty() {
        format!("Bitrix24 error {code}")
    } else {
        format!("Bitrix24 error {code}: {description}")
    };
    match code {
        "INVALID_CREDENTIALS"
        | "expired_token"
        | "invalid_token"
        | "NO_AUTH_FOUND"
        | "insufficient_scope"
        | "ACCESS_DENIED"
        | "user_access_error" => Verdict::failed(CheckErrorKind::Auth, detail),
        "QUERY_LIMIT_EXCEEDED" | "OPERATION_TIME_LIMIT" => {
            Verdict::failed(CheckErrorKind::RateLimited, detail)
        }
        // An unknown code: the HTTP status says what kind of failure it is.
        _ => match status {
            401 | 403 => Verdict::failed(CheckErrorKind::Auth, detail),
            429 => Verdict::failed(CheckErrorKind::RateLimited, detail),
            200..=299 => Verdict::failed(CheckErrorKind::BadResponse, detail),
            _ => Verdict::failed(
                CheckErrorKind::HttpStatus,
                format!("HTTP {status}: {detail}"),
            ),
        },
    }
}
