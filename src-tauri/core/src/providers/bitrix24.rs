//! Bitrix24 via an incoming webhook (`https://<portal>/rest/<user>/<code>/`), documented at
//! <https://apidocs.bitrix24.com/local-integrations/local-webhooks.html>. The webhook code is a credential,
//! so the whole URL is a secret field.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};

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
}

/// Checks the shape `https://<portal>/rest/<user id>/<code>/` without echoing the value (it is a secret).
///
/// # Errors
/// A message describing the expected shape.
pub fn check_webhook_url(value: &str) -> Result<(), String> {
    let expected = "expected https://<portal>/rest/<user id>/<webhook code>/";
    let url = url::Url::parse(value).map_err(|_| format!("is not a valid URL; {expected}"))?;
    let segments: Vec<_> = url.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
    let user_ok = segments.get(1).is_some_and(|user| user.chars().all(|c| c.is_ascii_digit()));
    if url.host_str().is_none() || segments.len() != 3 || segments[0] != "rest" || !user_ok {
        return Err(format!("has the wrong shape; {expected}"));
    }
    Ok(())
}
