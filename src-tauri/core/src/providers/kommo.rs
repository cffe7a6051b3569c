//! Kommo (amoCRM). API v4 with a long-lived token (`Authorization: Bearer`), documented at
//! <https://www.amocrm.ru/developers/content/crm_platform/api-reference>.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{self, CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// A Kommo / amoCRM account.
pub struct Kommo;

/// Default API base; `{subdomain}` is replaced by the `subdomain` field.
pub const DEFAULT_BASE_URL: &str = "https://{subdomain}.kommo.com";

impl Provider for Kommo {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "kommo",
            label: "Kommo (amoCRM)",
            description: "CRM: pipelines, leads and contacts synced through API v4.",
            setup_steps: vec![
                "Subdomain is the first part of your account address: for https://acme.kommo.com enter `acme`.",
                "For amoCRM accounts set Base URL to https://acme.amocrm.ru (the subdomain is then optional).",
                "Token: Settings → Integrations → Create integration (private) → Keys and scopes → Long-lived token → Generate.",
            ],
            fields: vec![
                FieldSpec { name: "subdomain", label: "Subdomain", kind: FieldKind::Text, required: false, secret: false, default: None, placeholder: Some("acme"), help: "Account subdomain (letters, digits, hyphens)." },
                FieldSpec { name: "base_url", label: "Base URL", kind: FieldKind::Url, required: false, secret: false, default: None, placeholder: Some(DEFAULT_BASE_URL), help: "Leave empty for https://<subdomain>.kommo.com; set it for amoCRM (.amocrm.ru) domains." },
                FieldSpec { name: "token", label: "Long-lived token", kind: FieldKind::Text, required: true, secret: true, default: None, placeholder: None, help: "Long-lived access token of a private integration. Stored in the OS keychain." },
            ],
        }
    }

    fn validate(
        &self,
        config: &super::validate::Config,
        _secrets_set: &[&str],
    ) -> crate::Result<()> {
        let subdomain = config.get("subdomain").map(String::as_str).unwrap_or("");
        let base_url = config.get("base_url").map(String::as_str).unwrap_or("");
        if !subdomain.is_empty()
            && !subdomain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(crate::Error::validation(
                "subdomain",
                "may contain only letters, digits and hyphens (for https://acme.kommo.com enter `acme`)",
            ));
        }
        if subdomain.is_empty() && base_url.is_empty() {
            return Err(crate::Error::validation(
                "subdomain",
                "is required unless a base URL is given",
            ));
        }
        Ok(())
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

/// The API base: `base_url` when set, else `https://{subdomain}.kommo.com`.
pub fn api_base(target: &CheckTarget) -> String {
    match target.setting("base_url") {
        "" => DEFAULT_BASE_URL.replace("{subdomain}", target.setting("subdomain")),
        base => base.trim_end_matches('/').to_owned(),
    }
}

/// `GET {base}/api/v4/account` with `Authorization: Bearer <token>` (Kommo API v4, "Account parameters").
async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let Some(token) = target.secret("token") else {
        return Verdict::failed(
            CheckErrorKind::Config,
            "no token is stored for this integration",
        );
    };
    let request = context
        .http
        .get(format!("{}/api/v4/account", api_base(target)))
        .bearer_auth(token);
    let reply = match health::send(context, request).await {
        Ok(reply) => reply,
        Err(verdict) => return verdict,
    };
    if reply.status != 200 {
        return reply.status_failure("Kommo");
    }
    match reply.json("Kommo /api/v4/account") {
        Ok(account) => match account.get("name").and_then(|name| name.as_str()) {
            Some(name) => reply.healthy(format!("account “{name}”")),
            None => Verdict::failed(
                CheckErrorKind::BadResponse,
                "Kommo answered without an account name",
            ),
        },
        Err(verdict) => verdict,
    }
}
