//! Bitrix24 REST client over an incoming webhook (`{webhook}/{method}.json`), following
//! <https://apidocs.bitrix24.com/>: list methods page by 50 with `start`/`next`/`total`
//! (`crm.deal.list`, `crm.contact.list`), `crm.category.list` and `crm.status.list` for pipelines and
//! stages, incremental with the `>DATE_MODIFY` filter. At most 2 requests per second on average (burst
//! 50, the portal's leaky bucket); `503 QUERY_LIMIT_EXCEEDED` and `429 OPERATION_TIME_LIMIT` are retried;
//! `{error, error_description}` is surfaced.

use serde_json::json;

use super::http::Limited;
use super::records::Fetched;
use super::sync::{Entity, PageResult};
use crate::health::{CheckContext, CheckErrorKind, CheckTarget, HttpReply, Verdict};
use crate::providers::bitrix24_error;

/// A Bitrix24 client for one integration.
pub struct Client {
    webhook: String,
    limited: Limited,
}

fn retryable(reply: &HttpReply) -> bool {
    matches!(reply.status, 429 | 502 | 503 | 504)
}

fn iso(unix_s: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_s)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn parse_iso(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

impl Client {
    /// A client for `target`'s webhook URL.
    pub fn new(target: &CheckTarget) -> Self {
        Self {
            webhook: target
                .secret("webhook_url")
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            limited: Limited::new(2, 50),
        }
    }

    /// Shortens retry backoff (tests).
    pub fn with_backoff(mut self, base: std::time::Duration) -> Self {
        self.limited.backoff_base = base;
        self
    }

    /// Calls `method` with `params`; returns the whole answer (`result`, `next`, `total`).
    ///
    /// # Errors
    /// A classified failure; Bitrix24's `{error, error_description}` mapped like the health check.
    pub async fn call(
        &self,
        context: &CheckContext,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, Verdict> {
        let url = format!("{}/{method}.json", self.webhook);
        let reply = self
            .limited
            .send(context, || context.http.post(&url).json(&params), retryable)
            .await?;
        let body = serde_json::from_slice::<serde_json::Value>(&reply.body).ok();
        if let Some(code) = body.as_ref().and_then(|b| b["error"].as_str()) {
            return Err(bitrix24_error(
                code,
                body.as_ref()
                    .and_then(|b| b["error_description"].as_str())
                    .unwrap_or(""),
            ));
        }
        if reply.status != 200 {
            return Err(reply.status_failure("Bitrix24"));
        }
        body.ok_or_else(|| {
            Verdict::failed(
                CheckErrorKind::BadResponse,
                "Bitrix24 answered with something that is not JSON",
            )
        })
    }

    /// One page of `entity` from offset `position` (`start`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn page(
        &self,
        context: &CheckContext,
        entity: Entity,
        position: u64,
        since: Option<i64>,
    ) -> Result<PageResult, Verdict> {
        if entity == Entity::Pipelines {
            return self.pipelines(context).await;
        }
        let (method, kind) = match entity {
            Entity::Deals => ("crm.deal.list", "deal"),
            _ => ("crm.contact.list", "contact"),
        };
        let mut filter = serde_json::Map::new();
        if let Some(since) = since {
            filter.insert(">DATE_MODIFY".into(), json!(iso(since)));
        }
        let body = self.call(context, method, json!({"start": position, "order": {"ID": "ASC"}, "filter": filter, "select": ["*"]})).await?;
        let items = body["result"].as_array().cloned().unwrap_or_default();
        let records = items
            .iter()
            .map(|item| {
                let id = item["ID"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| item["ID"].as_i64().map(|i| i.to_string()));
                let name = item["TITLE"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        [item["NAME"].as_str(), item["LAST_NAME"].as_str()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                Ok(Fetched {
                    entity_type: kind,
                    external_id: id.ok_or_else(|| {
                        Verdict::failed(
                            CheckErrorKind::BadResponse,
                            format!("a Bitrix24 {kind} has no ID"),
                        )
                    })?,
                    name,
                    remote_updated_at: item["DATE_MODIFY"].as_str().and_then(parse_iso),
                    data: item.clone(),
                })
            })
            .collect::<Result<Vec<_>, Verdict>>()?;
        Ok(PageResult {
            records,
            next: body["next"].as_u64(),
        })
    }

    async fn pipelines(&self, context: &CheckContext) -> Result<PageResult, Verdict> {
        let categories = self
            .call(context, "crm.category.list", json!({"entityTypeId": 2}))
            .await?;
        let mut list: Vec<(String, serde_json::Value)> =
            vec![("0".into(), json!({"id": 0, "name": "General"}))];
        for category in categories["result"]["categories"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = category["id"]
                .as_i64()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if id != "0" {
                list.push((id, category.clone()));
            }
        }
        let mut records = Vec::new();
        for (id, category) in list {
            records.push(Fetched {
                entity_type: "pipeline",
                external_id: id.clone(),
                name: category["name"].as_str().unwrap_or_default().to_owned(),
                remote_updated_at: None,
                data: category,
            });
            let entity_id = if id == "0" {
                "DEAL_STAGE".to_owned()
            } else {
                format!("DEAL_STAGE_{id}")
            };
            let stages = self
                .call(
                    context,
                    "crm.status.list",
                    json!({"filter": {"ENTITY_ID": entity_id}}),
                )
                .await?;
            for stage in stages["result"].as_array().into_iter().flatten() {
                let stage_id = stage["STATUS_ID"].as_str().unwrap_or_default().to_owned();
                records.push(Fetched {
                    entity_type: "stage",
                    external_id: stage_id,
                    name: stage["NAME"].as_str().unwrap_or_default().to_owned(),
                    remote_updated_at: None,
                    data: stage.clone(),
                });
            }
        }
        Ok(PageResult {
            records,
            next: None,
        })
    }
}
