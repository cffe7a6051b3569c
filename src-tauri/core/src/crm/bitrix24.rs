//! Bitrix24 REST client over an incoming webhook (`{webhook}/{method}.json`), following
//! <https://apidocs.bitrix24.com/>: list methods page by 50 with `start`/`next`/`total`
//! (`crm.deal.list`, `crm.contact.list`), `crm.category.list` and `crm.status.list` for pipelines and
//! stages, incremental with the `>DATE_MODIFY` filter. At most 2 requests per second on average (burst
//! 50, the portal's leaky bucket); `503 QUERY_LIMIT_EXCEEDED` and `429 OPERATION_TIME_LIMIT` are retried;
//! `{error, error_description}` is surfaced.

use std::collections::HashMap;
use std::sync::Mutex;

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
    /// Last `total` seen per list (method and filter), to size `batch` calls.
    totals: Mutex<HashMap<String, u64>>,
}

/// One command's answer inside a `batch`.
#[derive(Debug, Clone)]
pub struct BatchAnswer {
    /// The command's `result`.
    pub result: serde_json::Value,
    /// A list's `total`.
    pub total: Option<u64>,
    /// A list's `next` offset.
    pub next: Option<u64>,
}

/// Commands per `batch` call (Bitrix24's limit).
pub const MAX_BATCH: usize = 50;

/// Average spacing of requests: the portal drains its leaky bucket at 2 requests/s (50 fit); 525 ms
/// leaves 5% for jitter.
pub const REQUEST_PERIOD: std::time::Duration = std::time::Duration::from_millis(525);

/// Records per list page (fixed by Bitrix24).
pub const PAGE_SIZE: u64 = 50;

/// List pages fetched per `batch` call (Bitrix24 allows at most 50 commands per batch).
pub const BATCH_PAGES: u64 = MAX_BATCH as u64;

/// A Bitrix24 id or code, given as a string or a number.
pub(crate) fn text(value: &serde_json::Value) -> Option<String> {
    value
        .as_str()
        .map(str::to_owned)
        .or_else(|| value.as_i64().map(|i| i.to_string()))
}

/// Deals or contacts of a list answer as records.
fn records(kind: &'static str, items: &[serde_json::Value]) -> Result<Vec<Fetched>, Verdict> {
    items
        .iter()
        .map(|item| {
            let id = text(&item["ID"]).ok_or_else(|| {
                Verdict::failed(
                    CheckErrorKind::BadResponse,
                    format!("a Bitrix24 {kind} has no ID"),
                )
            })?;
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
            let mut record = Fetched::new(
                kind,
                id,
                name,
                item["DATE_MODIFY"].as_str().and_then(parse_iso),
                item.clone(),
            );
            if kind == "deal" {
                record.pipeline = text(&item["CATEGORY_ID"]).or(Some("0".into()));
                record.stage = text(&item["STAGE_ID"]);
                record.amount = text(&item["OPPORTUNITY"]).and_then(|a| a.parse().ok());
            }
            Ok(record)
        })
        .collect()
}

fn retryable(reply: &HttpReply) -> bool {
    matches!(reply.status, 429 | 502 | 503 | 504)
}

/// The `result` of a `*.list` call, which is always an array.
fn list_result(result: &serde_json::Value) -> Result<Vec<serde_json::Value>, Verdict> {
    result.as_array().cloned().ok_or_else(|| {
        Verdict::failed(
            CheckErrorKind::BadResponse,
            format!(
                "expected a list in Bitrix24's `result`, got {}",
                crate::health::preview(result.to_string().as_bytes())
            ),
        )
    })
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
            limited: Limited::new(REQUEST_PERIOD, 50),
            totals: Mutex::new(HashMap::new()),
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
                reply.status,
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

    /// Records of `entity` from offset `position` (`start`), changed after `since` (unix s) when given.
    ///
    /// # Errors
    /// As [`Client::list`].
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
        let (items, next) = self
            .list(
                context,
                method,
                &serde_json::Value::Object(filter),
                position,
            )
            .await?;
        Ok(PageResult {
            records: records(kind, &items)?,
            next,
            currency: None,
        })
    }

    /// Items of list `method` (`crm.deal.list` …) matching `filter`, ordered by `ID`, from offset
    /// `position`, and the offset of the rest when there is more: one page of 50 by a plain call while
    /// the list's total is unknown (first page, or after a resume), then up to [`BATCH_PAGES`] pages per
    /// `batch` call (<https://apidocs.bitrix24.com/api-reference/how-to-call-rest-api/batch.html>).
    ///
    /// # Errors
    /// As [`Client::call`]; a failed command inside a batch is surfaced with its `error_description`.
    pub async fn list(
        &self,
        context: &CheckContext,
        method: &str,
        filter: &serde_json::Value,
        position: u64,
    ) -> Result<(Vec<serde_json::Value>, Option<u64>), Verdict> {
        let params = |start: u64| json!({"start": start, "order": {"ID": "ASC"}, "filter": filter, "select": ["*", "UF_*"]});
        let list_key = format!("{method}?{filter}");
        let known_total = self
            .totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&list_key)
            .copied();
        let remaining_pages = known_total
            .filter(|total| *total > position)
            .map_or(0, |total| (total - position).div_ceil(PAGE_SIZE));
        if remaining_pages <= 1 {
            let body = self.call(context, method, params(position)).await?;
            if let Some(total) = body["total"].as_u64() {
                self.remember_total(&list_key, total);
            }
            let items = list_result(&body["result"])?;
            return Ok((items, body["next"].as_u64()));
        }
        let pages = remaining_pages.min(BATCH_PAGES);
        let commands = (0..pages)
            .map(|index| (method, params(position + index * PAGE_SIZE)))
            .collect::<Vec<_>>();
        let answers = self.batch(context, &commands, true).await?;
        let mut items = Vec::new();
        let mut next = None;
        for answer in answers {
            let answer = answer?;
            if let Some(total) = answer.total {
                self.remember_total(&list_key, total);
            }
            let page = list_result(&answer.result)?;
            let empty = page.is_empty();
            items.extend(page);
            next = answer.next;
            if empty || next.is_none() {
                break;
            }
        }
        Ok((items, next))
    }

    /// Runs up to 50 `commands` (method, parameters) in one `batch` call and returns each command's
    /// answer in order; with `halt`, the portal stops at the first failed command.
    /// Follows <https://apidocs.bitrix24.com/api-reference/how-to-call-rest-api/batch.html>.
    ///
    /// # Errors
    /// The batch call's own failure; [`CheckErrorKind::Config`] for more than 50 commands. A failed
    /// command is an `Err` in its slot.
    pub async fn batch(
        &self,
        context: &CheckContext,
        commands: &[(&str, serde_json::Value)],
        halt: bool,
    ) -> Result<Vec<Result<BatchAnswer, Verdict>>, Verdict> {
        if commands.len() > MAX_BATCH {
            return Err(Verdict::failed(
                CheckErrorKind::Config,
                format!(
                    "a Bitrix24 batch holds at most {MAX_BATCH} commands, got {}",
                    commands.len()
                ),
            ));
        }
        let mut cmd = serde_json::Map::new();
        for (index, (method, params)) in commands.iter().enumerate() {
            let query = serde_qs::to_string(params)
                .map_err(|error| Verdict::failed(CheckErrorKind::Config, error.to_string()))?;
            cmd.insert(format!("c{index}"), json!(format!("{method}?{query}")));
        }
        let body = self
            .call(
                context,
                "batch",
                json!({"halt": u8::from(halt), "cmd": cmd}),
            )
            .await?;
        let answer = &body["result"];
        Ok((0..commands.len())
            .map(|index| {
                let key = format!("c{index}");
                if let Some(error) = answer["result_error"].get(&key) {
                    return Err(bitrix24_error(
                        error["error"].as_str().unwrap_or("BATCH_ERROR"),
                        error["error_description"].as_str().unwrap_or(""),
                        200,
                    ));
                }
                match answer["result"].get(&key) {
                    Some(result) => Ok(BatchAnswer {
                        result: result.clone(),
                        total: answer["result_total"][&key].as_u64(),
                        next: answer["result_next"][&key].as_u64(),
                    }),
                    None => Err(Verdict::failed(
                        CheckErrorKind::BadResponse,
                        "Bitrix24 did not run this command (an earlier one failed)",
                    )),
                }
            })
            .collect())
    }

    fn remember_total(&self, list_key: &str, total: u64) {
        self.totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(list_key.to_owned(), total);
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
            records.push(Fetched::new(
                "pipeline",
                id.clone(),
                category["name"].as_str().unwrap_or_default().to_owned(),
                None,
                category,
            ));
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
                let mut record = Fetched::new(
                    "stage",
                    stage_id,
                    stage["NAME"].as_str().unwrap_or_default().to_owned(),
                    None,
                    stage.clone(),
                );
                record.pipeline = Some(id.clone());
                records.push(record);
            }
        }
        Ok(PageResult {
            records,
            next: None,
            currency: None,
        })
    }
}
