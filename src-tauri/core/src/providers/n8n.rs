//! n8n workflow automation instance. Fields follow SPEC §6; the API key is for n8n's public REST API
//! (`X-N8N-API-KEY`), the signing secret signs webhook triggers.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{self, CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// An n8n instance.
pub struct N8n;

impl Provider for N8n {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "n8n",
            label: "n8n",
            description: "Workflow automation: trigger workflows through webhooks and follow their executions.",
            setup_steps: vec![
                "Base URL is the address you open n8n at, e.g. https://n8n.example.com (no /webhook suffix).",
                "For an API key open n8n → Settings → n8n API → Create an API key, and copy it once.",
                "The signing secret is any long random string; your workflow verifies X-Patchbay-Signature with it.",
            ],
            fields: vec![
                FieldSpec { name: "base_url", label: "Base URL", kind: FieldKind::Url, required: true, secret: false, default: None, placeholder: Some("https://n8n.example.com"), help: "Where your n8n instance is reachable." },
                FieldSpec { name: "api_key", label: "API key", kind: FieldKind::Text, required: false, secret: true, default: None, placeholder: None, help: "n8n public API key (Settings → n8n API). Optional: needed to list workflows and follow executions." },
                FieldSpec { name: "signing_secret", label: "Signing secret", kind: FieldKind::Text, required: false, secret: true, default: None, placeholder: None, help: "Optional HMAC-SHA256 secret used to sign webhook triggers." },
            ],
        }
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

/// `GET {base}/healthz`; with an API key also `GET {base}/api/v1/workflows?limit=1` (n8n public API,
/// header `X-N8N-API-KEY`; 401 → auth).
async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let base = target.setting("base_url").trim_end_matches('/');
    let reply = match health::send(context, context.http.get(format!("{base}/healthz"))).await {
        Ok(reply) => reply,
        Err(verdict) => return verdict,
    };
    if reply.status != 200 {
        return reply.status_failure("n8n /healthz");
    }
    // n8n answers `{"status": "ok"}`; anything else is another server on that address.
    match reply.json("n8n /healthz") {
        Ok(body) if body["status"] == "ok" => {}
        Ok(_) => {
            return Verdict::failed(
                CheckErrorKind::BadResponse,
                format!(
                    "expected {{\"status\": \"ok\"}} from n8n /healthz, got {}",
                    health::preview(&reply.body)
                ),
            )
        }
        Err(verdict) => return verdict,
    }
    let Some(api_key) = target.secret("api_key") else {
        return reply.healthy("n8n is up (no API key to verify)");
    };
    let request = context
        .http
        .get(format!("{base}/api/v1/workflows?limit=1"))
        .header("X-N8N-API-KEY", api_key);
    let api = match health::send(context, request).await {
        Ok(api) => api,
        Err(verdict) => return verdict,
    };
    if api.status != 200 {
        return api.status_failure("the n8n API");
    }
    match api.json("the n8n API") {
        Ok(body) if body["data"].is_array() => {}
        Ok(_) => {
            return Verdict::failed(
                CheckErrorKind::BadResponse,
                format!(
                    "expected {{\"data\": […]}} from the n8n API, got {}",
                    health::preview(&api.body)
                ),
            )
        }
        Err(verdict) => return verdict,
    }
    reply.healthy("n8n is up; API key accepted")
}
