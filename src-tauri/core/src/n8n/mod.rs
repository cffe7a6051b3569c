//! n8n: routes (action key → workflow webhook), triggered runs with optional HMAC signatures, execution
//! tracking and workflow management through n8n's public REST API (`/api/v1`, header `X-N8N-API-KEY`),
//! documented at <https://docs.n8n.io/api/api-reference/>. n8n has no public "execute workflow" endpoint:
//! runs start through production webhooks (`/webhook/<path>`).

pub mod api;
pub mod routes;
pub mod trigger;
