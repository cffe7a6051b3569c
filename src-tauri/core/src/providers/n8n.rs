//! n8n workflow automation instance. Fields follow SPEC §6; the API key is for n8n's public REST API
//! (`X-N8N-API-KEY`), the signing secret signs webhook triggers.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};

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
}
