//! n8n's public REST API (`/api/v1`, header `X-N8N-API-KEY`): workflows (cursor pagination, limit ≤ 250),
//! activate/deactivate, and executions (`GET /executions?workflowId=…`, `GET /executions/{id}`). In-progress
//! executions are missing from the list, so a new execution is found once it appears and then read by id.

use serde::Serialize;
use ts_rs::TS;

use crate::health::{self, CheckContext, CheckTarget, Verdict};
use crate::{Error, Result};

/// A webhook of a workflow (its Webhook node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WorkflowWebhook {
    /// Path after `/webhook/`.
    pub path: String,
    /// HTTP method.
    pub method: String,
}

/// A workflow as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Workflow {
    /// n8n workflow id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether its production webhooks are registered.
    pub active: bool,
    /// Its Webhook nodes.
    pub webhooks: Vec<WorkflowWebhook>,
}

/// One page of workflows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct WorkflowPage {
    /// Workflows.
    pub items: Vec<Workflow>,
    /// Cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

/// An execution of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Execution {
    /// n8n execution id.
    pub id: String,
    /// `success`, `error`, `waiting`, `running`, `canceled`, `crashed`, `new`.
    pub status: String,
    /// Start time (ISO 8601, as n8n reports it).
    pub started_at: Option<String>,
    /// End time.
    pub stopped_at: Option<String>,
    /// Name of the last node that ran.
    pub last_node: Option<String>,
    /// Error message, when it failed.
    pub error: Option<String>,
    /// Link to the execution in n8n's editor.
    pub url: String,
}

impl Execution {
    /// Whether the execution has ended.
    pub fn finished(&self) -> bool {
        matches!(
            self.status.as_str(),
            "success" | "error" | "canceled" | "crashed"
        )
    }
}

/// Most workflows per page n8n accepts.
pub const MAX_PAGE: u32 = 250;

fn to_error(verdict: Verdict) -> Error {
    Error::Validation {
        field: "n8n".into(),
        message: verdict.detail,
    }
}

/// A client for one n8n integration.
pub struct Client<'a> {
    base: String,
    key: Option<&'a str>,
    context: &'a CheckContext,
}

impl<'a> Client<'a> {
    /// A client for the integration `target` (its `base_url` and `api_key`).
    pub fn new(target: &'a CheckTarget, context: &'a CheckContext) -> Self {
        Self {
            base: target.setting("base_url").trim_end_matches('/').to_owned(),
            key: target.secret("api_key"),
            context,
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether an API key is set (needed for everything but webhooks).
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    async fn call(&self, method: reqwest::Method, path: &str) -> Result<serde_json::Value> {
        let key = self.key.ok_or_else(|| {
            Error::validation(
                "api_key",
                "set the n8n API key on the integration to use the n8n API",
            )
        })?;
        let request = self
            .context
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("X-N8N-API-KEY", key);
        let reply = health::send(self.context, request)
            .await
            .map_err(to_error)?;
        if !(200..300).contains(&reply.status) {
            let message = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|body| {
                    body.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| health::preview(&reply.body));
            return Err(to_error(
                reply.status_failure(&format!("the n8n API ({message})")),
            ));
        }
        reply.json("the n8n API").map_err(to_error)
    }

    /// One page of workflows (`GET /workflows?limit=&cursor=`), with their Webhook nodes.
    ///
    /// # Errors
    /// [`Error::Validation`] on `api_key` without a key, or field `n8n` with the classified failure.
    pub async fn workflows(&self, limit: u32, cursor: Option<&str>) -> Result<WorkflowPage> {
        let mut path = format!("/workflows?limit={}", limit.clamp(1, MAX_PAGE));
        if let Some(cursor) = cursor {
            path.push_str("&cursor=");
            path.extend(url::form_urlencoded::byte_serialize(cursor.as_bytes()));
        }
        let body = self.call(reqwest::Method::GET, &path).await?;
        let items = body["data"]
            .as_array()
            .map(|list| list.iter().map(workflow).collect())
            .unwrap_or_default();
        Ok(WorkflowPage {
            items,
            next_cursor: body["nextCursor"].as_str().map(str::to_owned),
        })
    }

    /// Activates (registers production webhooks) or deactivates a workflow.
    ///
    /// # Errors
    /// As [`Client::workflows`].
    pub async fn set_active(&self, workflow_id: &str, active: bool) -> Result<Workflow> {
        let action = if active { "activate" } else { "deactivate" };
        let body = self
            .call(
                reqwest::Method::POST,
                &format!("/workflows/{workflow_id}/{action}"),
            )
            .await?;
        Ok(workflow(&body))
    }

    /// The newest executions of a workflow (finished or waiting; running ones are not listed by n8n).
    ///
    /// # Errors
    /// As [`Client::workflows`].
    pub async fn executions(&self, workflow_id: &str, limit: u32) -> Result<Vec<Execution>> {
        let body = self
            .call(
                reqwest::Method::GET,
                &format!(
                    "/executions?workflowId={workflow_id}&limit={}",
                    limit.clamp(1, MAX_PAGE)
                ),
            )
            .await?;
        Ok(body["data"]
            .as_array()
            .map(|list| list.iter().map(|e| self.execution(e)).collect())
            .unwrap_or_default())
    }

    /// One execution with its data (last node, error message).
    ///
    /// # Errors
    /// As [`Client::workflows`].
    pub async fn execution_detail(&self, id: &str) -> Result<Execution> {
        let body = self
            .call(
                reqwest::Method::GET,
                &format!("/executions/{id}?includeData=true"),
            )
            .await?;
        Ok(self.execution(&body))
    }

    fn execution(&self, value: &serde_json::Value) -> Execution {
        let id = match &value["id"] {
            serde_json::Value::String(id) => id.clone(),
            other => other.to_string(),
        };
        let result = &value["data"]["resultData"];
        let status = value["status"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if value["finished"].as_bool() == Some(true) {
                    "success".into()
                } else {
                    "running".into()
                }
            });
        Execution {
            url: format!(
                "{}/workflow/{}/executions/{id}",
                self.base,
                value["workflowId"].as_str().unwrap_or_default()
            ),
            id,
            status,
            started_at: value["startedAt"].as_str().map(str::to_owned),
            stopped_at: value["stoppedAt"].as_str().map(str::to_owned),
            last_node: result["lastNodeExecuted"].as_str().map(str::to_owned),
            error: result["error"]["message"].as_str().map(str::to_owned),
        }
    }
}

fn workflow(value: &serde_json::Value) -> Workflow {
    let webhooks = value["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter(|node| node["type"].as_str() == Some("n8n-nodes-base.webhook"))
                .filter_map(|node| {
                    let path = node["parameters"]["path"].as_str()?.to_owned();
                    let method = node["parameters"]["httpMethod"]
                        .as_str()
                        .unwrap_or("GET")
                        .to_owned();
                    Some(WorkflowWebhook { path, method })
                })
                .collect()
        })
        .unwrap_or_default();
    Workflow {
        id: match &value["id"] {
            serde_json::Value::String(id) => id.clone(),
            other => other.to_string(),
        },
        name: value["name"].as_str().unwrap_or_default().to_owned(),
        active: value["active"].as_bool().unwrap_or(false),
        webhooks,
    }
}
