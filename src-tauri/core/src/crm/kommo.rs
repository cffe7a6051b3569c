//! Kommo (amoCRM) API v4 client, following <https://www.amocrm.ru/developers/content/crm_platform/api-reference>:
//! `GET /api/v4/leads/pipelines` (statuses embedded), `GET /api/v4/leads?page=&limit=250&with=contacts`
//! (its first page with `GET /api/v4/account`: the currency of every lead's `price`),
//! `GET /api/v4/contacts?page=&limit=250`, incremental with `filter[updated_at][from]`. Answers are HAL
//! (`_embedded`, `_links.next`); 204 means no records. At most 7 requests per second; 429 and 5xx are
//! retried honouring `Retry-After`; 401 fails the run.

use super::http::Limited;
use super::records::Fetched;
use super::sync::{Entity, PageResult};
use crate::health::{CheckContext, CheckErrorKind, CheckTarget, HttpReply, Verdict};
use crate::providers::kommo_api_base;

/// Spacing of requests: 7 per second is the documented limit; 150 ms (6.7/s, no burst) keeps every
/// one-second window at 7 or fewer even when requests arrive with some jitter.
pub const REQUEST_PERIOD: std::time::Duration = std::time::Duration::from_millis(150);

/// Records per page (the API's maximum).
pub const PAGE_LIMIT: u32 = 250;

/// A Kommo client for one integration.
pub struct Client {
    base: String,
    token: String,
    limited: Limited,
}

fn retryable(reply: &HttpReply) -> bool {
    matches!(reply.status, 429 | 502 | 503 | 504)
}

impl Client {
    /// A client for `target` (base URL or subdomain, and the long-lived token).
    pub fn new(target: &CheckTarget) -> Self {
        Self {
            base: kommo_api_base(target),
            token: target.secret("token").unwrap_or_default().to_owned(),
            limited: Limited::new(REQUEST_PERIOD, 1),
        }
    }

    /// Shortens retry backoff (tests).
    pub fn with_backoff(mut self, base: std::time::Duration) -> Self {
        self.limited.backoff_base = base;
        self
    }

    async fn get(
        &self,
        context: &CheckContext,
        path: &str,
    ) -> Result<Option<serde_json::Value>, Verdict> {
        let url = format!("{}{path}", self.base);
        let reply = self
            .limited
            .send(
                context,
                || context.http.get(&url).bearer_auth(&self.token),
                retryable,
            )
            .await?;
        match reply.status {
            204 => Ok(None),
            200 => reply.json("Kommo").map(Some),
            _ => Err(reply.status_failure("Kommo")),
        }
    }

    /// One page of `entity`, starting at page `position` (1-based; pipelines have a single page).
    ///
    /// # Errors
    /// A classified failure (auth, rate_limited after retries, bad_response …).
    pub async fn page(
        &self,
        context: &CheckContext,
        entity: Entity,
        position: u64,
        since: Option<i64>,
    ) -> Result<PageResult, Verdict> {
        let filter = since
            .map(|s| format!("&filter[updated_at][from]={s}"))
            .unwrap_or_default();
        let (path, key, kind) = match entity {
            Entity::Pipelines => (
                "/api/v4/leads/pipelines".to_owned(),
                "pipelines",
                "pipeline",
            ),
            Entity::Deals => (
                format!("/api/v4/leads?page={position}&limit={PAGE_LIMIT}&with=contacts{filter}"),
                "leads",
                "deal",
            ),
            Entity::Contacts => (
                format!("/api/v4/contacts?page={position}&limit={PAGE_LIMIT}{filter}"),
                "contacts",
                "contact",
            ),
        };
        let Some(body) = self.get(context, &path).await? else {
            return Ok(PageResult {
                records: Vec::new(),
                next: None,
                currency: None,
            });
        };
        // A 200 always carries `_embedded.<entity>` (no records is 204): anything else is not Kommo's
        // answer (a proxy's page, another API) and must not pass for an empty page.
        let Some(items) = body["_embedded"][key].as_array().cloned() else {
            return Err(Verdict::failed(
                CheckErrorKind::BadResponse,
                format!(
                    "expected {{\"_embedded\": {{\"{key}\": […]}}}} from Kommo, got {}",
                    crate::health::preview(body.to_string().as_bytes())
                ),
            ));
        };
        let mut records = Vec::with_capacity(items.len());
        for item in &items {
            records.push(record(kind, item)?);
            if entity == Entity::Pipelines {
                for status in item["_embedded"]["statuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    records.push(record("stage", status)?);
                }
            }
        }
        let next = (entity != Entity::Pipelines && body["_links"]["next"]["href"].is_string())
            .then_some(position + 1);
        // Every sync of deals reads it again, whichever entities it covers: an account's currency can change.
        // The amounts are stored either way; without an answer they keep the currency last read.
        let currency = if entity == Entity::Deals && position == 1 {
            self.account_currency(context)
                .await
                .inspect_err(|verdict| {
                    log::warn!(
                        "Kommo: cannot read the account's currency, deals keep the last one read: {}",
                        verdict.detail
                    );
                })
                .ok()
                .flatten()
        } else {
            None
        };
        Ok(PageResult {
            records,
            next,
            currency,
        })
    }

    /// The account's currency: `GET /api/v4/account` → `currency` (Kommo API v4, "Account parameters"),
    /// e.g. `RUB`; `None` when the account names none.
    ///
    /// # Errors
    /// A classified failure, as for a page.
    pub async fn account_currency(
        &self,
        context: &CheckContext,
    ) -> Result<Option<String>, Verdict> {
        let account = self.get(context, "/api/v4/account").await?;
        Ok(account
            .as_ref()
            .and_then(|account| account["currency"].as_str())
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(str::to_owned))
    }
}

fn record(kind: &'static str, item: &serde_json::Value) -> Result<Fetched, Verdict> {
    let id = item["id"].as_i64().ok_or_else(|| {
        Verdict::failed(
            crate::health::CheckErrorKind::BadResponse,
            format!("a Kommo {kind} has no numeric id"),
        )
    })?;
    let mut record = Fetched::new(
        kind,
        id.to_string(),
        item["name"].as_str().unwrap_or_default().to_owned(),
        item["updated_at"].as_i64(),
        item.clone(),
    );
    if kind != "pipeline" {
        record.pipeline = item["pipeline_id"].as_i64().map(|p| p.to_string());
    }
    if kind == "deal" {
        record.stage = item["status_id"].as_i64().map(|s| s.to_string());
        record.amount = item["price"].as_f64();
    }
    Ok(record)
}
