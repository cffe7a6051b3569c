//! Stateful local CRM servers over generated data, answering like the documented APIs:
//! - [`FakeBitrix24`]: REST over an incoming webhook `/rest/<user>/<code>/<method>.json` — `crm.deal.list`
//!   and `crm.contact.list` paged by 50 with `start`/`next`/`total`, `filter` (`STAGE_ID`, `CATEGORY_ID`,
//!   `>DATE_MODIFY`), `crm.category.list`, `crm.status.list`, `crm.deal.add`, `crm.deal.update`, and
//!   `batch` (≤ 50 commands, `halt`); the portal's leaky bucket (2 requests/s, burst 50) answered with
//!   `503 QUERY_LIMIT_EXCEEDED` and counted.
//! - [`FakeKommo`]: API v4 with a long-lived token — `/api/v4/leads/pipelines`, `/api/v4/leads` and
//!   `/api/v4/contacts` with `page`/`limit` (≤ 250), HAL `_embedded`/`_links.next`, `204` when empty,
//!   `filter[updated_at][from]`, `401` for a wrong token, and 7 requests/s answered with `429` and counted.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{Behaviour, Reply, Request, Server};

/// First `DATE_MODIFY`/`updated_at` of generated records, unix s (2026-01-01).
pub const BASE_TIME: i64 = 1_767_225_600;

/// Request counters kept by a fake server.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Requests answered (a `batch` counts once, as on the real portal).
    pub requests: u64,
    /// Requests refused because the client exceeded the rate limit.
    pub limit_exceeded: u64,
    /// `batch` calls.
    pub batches: u64,
    /// Deals created through `crm.deal.add`.
    pub deals_added: u64,
}

fn iso(unix_s: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_s)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn parse_iso(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_u64(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Stage ids of category `category` (Bitrix24 spells the general category's stages without prefix).
pub fn bitrix_stage(category: u64, stage: &str) -> String {
    if category == 0 {
        stage.to_owned()
    } else {
        format!("C{category}:{stage}")
    }
}

struct BitrixState {
    deals: BTreeMap<u64, Value>,
    contacts: BTreeMap<u64, Value>,
    next_deal: u64,
    /// Leaky bucket level and when it was last drained.
    bucket: (f64, Instant),
    rate_limit: bool,
    delay: Duration,
    counters: Counters,
    clock: i64,
    /// Requests still to refuse with `503 QUERY_LIMIT_EXCEEDED` (not counted as violations).
    refuse: u32,
    /// Methods answered with an error: method → (code, description).
    errors: BTreeMap<String, (String, String)>,
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Bitrix24 portal on 127.0.0.1.
pub struct FakeBitrix24 {
    pub server: Server,
    state: Arc<Mutex<BitrixState>>,
    code: String,
}

/// Categories of generated Bitrix24 deals: 0 (General), 1 (Wholesale), 2 (Partners).
pub const BITRIX_CATEGORIES: [(u64, &str); 3] = [(0, "General"), (1, "Wholesale"), (2, "Partners")];
/// Stages of every category.
pub const BITRIX_STAGES: [(&str, &str); 3] =
    [("NEW", "New"), ("WORK", "In progress"), ("WON", "Won")];

/// Deal `id` as generated: category `id % 3`, stage `id % 3` of that category, amount `id × 10`, in
/// EUR, or in USD for every tenth deal.
pub fn bitrix_deal(id: u64) -> Value {
    let category = id % 3;
    let stage = BITRIX_STAGES[(id / 3 % 3) as usize].0;
    json!({
        "ID": id.to_string(),
        "TITLE": format!("Deal {id}"),
        "CATEGORY_ID": category.to_string(),
        "STAGE_ID": bitrix_stage(category, stage),
        "OPPORTUNITY": format!("{}.00", id * 10),
        "CURRENCY_ID": if id % 10 == 0 { "USD" } else { "EUR" },
        "COMMENTS": format!("generated deal {id}"),
        "DATE_MODIFY": iso(BASE_TIME + id as i64),
    })
}

impl FakeBitrix24 {
    /// A portal with `deals` generated deals and `contacts` contacts, rate-limited, webhook code `code`.
    pub async fn start(deals: u64, contacts: u64, code: &str) -> Self {
        let state = Arc::new(Mutex::new(BitrixState {
            deals: (1..=deals).map(|id| (id, bitrix_deal(id))).collect(),
            contacts: (1..=contacts)
                .map(|id| {
                    (id, json!({"ID": id.to_string(), "NAME": format!("Contact"), "LAST_NAME": id.to_string(), "DATE_MODIFY": iso(BASE_TIME + id as i64)}))
                })
                .collect(),
            next_deal: deals + 1,
            bucket: (0.0, Instant::now()),
            rate_limit: true,
            delay: Duration::ZERO,
            counters: Counters::default(),
            clock: BASE_TIME + deals as i64 + 1000,
            refuse: 0,
            errors: BTreeMap::new(),
        }));
        let shared = Arc::clone(&state);
        let prefix = format!("/rest/1/{code}/");
        let server = Server::start(Behaviour::Full(Arc::new(move |request: &Request| {
            answer_bitrix(&shared, &prefix, request)
        })))
        .await;
        Self {
            server,
            state,
            code: code.to_owned(),
        }
    }

    /// The incoming webhook URL (the integration's secret).
    pub fn webhook(&self) -> String {
        format!("{}/rest/1/{}/", self.server.url(), self.code)
    }

    /// Switches the leaky bucket on or off (benchmarks measure the client and store, not the limit).
    pub fn set_rate_limit(&self, on: bool) {
        self.state.lock().unwrap().rate_limit = on;
    }

    /// Delays every answer (so a test can kill a client mid-run).
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    pub fn counters(&self) -> Counters {
        self.state.lock().unwrap().counters.clone()
    }

    /// Refuses the next `n` requests with `503 QUERY_LIMIT_EXCEEDED`, as an overloaded portal does.
    pub fn refuse_next(&self, n: u32) {
        self.state.lock().unwrap().refuse = n;
    }

    /// Answers `method` with `{error: code, error_description}`.
    pub fn fail_method(&self, method: &str, code: &str, description: &str) {
        self.state
            .lock()
            .unwrap()
            .errors
            .insert(method.into(), (code.into(), description.into()));
    }

    /// All deals, by id.
    pub fn deals(&self) -> BTreeMap<u64, Value> {
        self.state.lock().unwrap().deals.clone()
    }

    /// Renames deals `ids` and moves their `DATE_MODIFY` past every earlier change.
    pub fn touch(&self, ids: &[u64]) {
        let mut state = self.state.lock().unwrap();
        for id in ids {
            state.clock = (state.clock + 1).max(now_s());
            let clock = state.clock;
            if let Some(deal) = state.deals.get_mut(id) {
                deal["TITLE"] = json!(format!("Deal {id} (edited)"));
                deal["DATE_MODIFY"] = json!(iso(clock));
            }
        }
    }
}

fn bitrix_error(status: u16, code: &str, description: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": code, "error_description": description}),
    )
}

fn answer_bitrix(state: &Mutex<BitrixState>, prefix: &str, request: &Request) -> Reply {
    let mut state = state.lock().unwrap();
    let delay = state.delay;
    let Some(method) = request
        .path
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(".json"))
        .map(str::to_owned)
    else {
        return bitrix_error(401, "INVALID_CREDENTIALS", "Invalid request credentials");
    };
    // The portal's leaky bucket: 2 requests drain per second, 50 fit.
    let now = Instant::now();
    let (level, last) = state.bucket;
    let level = (level - now.duration_since(last).as_secs_f64() * 2.0).max(0.0);
    if state.rate_limit && level + 1.0 > 50.0 {
        state.bucket = (level, now);
        state.counters.limit_exceeded += 1;
        return bitrix_error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
    }
    state.bucket = (level + 1.0, now);
    if state.refuse > 0 {
        state.refuse -= 1;
        return bitrix_error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
    }
    state.counters.requests += 1;
    let params: Value = serde_json::from_str(&request.body).unwrap_or(json!({}));
    let reply = if method == "batch" {
        state.counters.batches += 1;
        let commands = params["cmd"].as_object().cloned().unwrap_or_default();
        if commands.len() > 50 {
            bitrix_error(
                400,
                "ERROR_BATCH_LENGTH_EXCEEDED",
                "Max batch length exceeded",
            )
        } else {
            let halt = as_u64(&params["halt"]).unwrap_or(0) == 1;
            let (mut result, mut errors, mut totals, mut nexts) =
                (json!({}), json!({}), json!({}), json!({}));
            for (key, command) in &commands {
                let command = command.as_str().unwrap_or_default();
                let (name, query) = command.split_once('?').unwrap_or((command, ""));
                let params: Value = serde_qs::from_str::<BTreeMap<String, Value>>(query)
                    .map(|map| Value::Object(map.into_iter().collect()))
                    .unwrap_or(json!({}));
                match call_bitrix(&mut state, name, &params) {
                    Ok(body) => {
                        result[key] = body["result"].clone();
                        if !body["total"].is_null() {
                            totals[key] = body["total"].clone();
                        }
                        if !body["next"].is_null() {
                            nexts[key] = body["next"].clone();
                        }
                    }
                    Err((code, description)) => {
                        errors[key] = json!({"error": code, "error_description": description});
                        if halt {
                            break;
                        }
                    }
                }
            }
            Reply::json(
                200,
                json!({"result": {"result": result, "result_error": errors, "result_total": totals, "result_next": nexts}}),
            )
        }
    } else {
        match call_bitrix(&mut state, &method, &params) {
            Ok(body) => Reply::json(200, body),
            Err((code, description)) => bitrix_error(400, &code, &description),
        }
    };
    reply.after(delay)
}

fn list(records: &BTreeMap<u64, Value>, params: &Value) -> Value {
    let filter = &params["filter"];
    let since = filter[">DATE_MODIFY"].as_str().and_then(parse_iso);
    let matching: Vec<&Value> = records
        .values()
        .filter(|r| {
            since.is_none_or(|since| {
                r["DATE_MODIFY"].as_str().and_then(parse_iso).unwrap_or(0) > since
            })
        })
        .filter(|r| {
            // Plain keys are equality filters (`STAGE_ID`, `CATEGORY_ID`, `ORIGINATOR_ID` …).
            filter
                .as_object()
                .into_iter()
                .flatten()
                .all(|(key, wanted)| {
                    !key.starts_with(|c: char| c.is_ascii_uppercase())
                        || text_of(&r[key.as_str()]) == text_of(wanted)
                })
        })
        .collect();
    let start = as_u64(&params["start"]).unwrap_or(0) as usize;
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(50)
        .map(|r| (*r).clone())
        .collect();
    let mut body = json!({"result": page, "total": matching.len()});
    if start + 50 < matching.len() {
        body["next"] = json!(start + 50);
    }
    body
}

fn call_bitrix(
    state: &mut BitrixState,
    method: &str,
    params: &Value,
) -> Result<Value, (String, String)> {
    if let Some((code, description)) = state.errors.get(method) {
        return Err((code.clone(), description.clone()));
    }
    match method {
        // The incoming webhook's user (what the health check calls).
        "profile" => Ok(
            json!({"result": {"ID": "1", "ADMIN": true, "NAME": "Portal", "LAST_NAME": "Admin"}}),
        ),
        "crm.deal.list" => Ok(list(&state.deals, params)),
        "crm.contact.list" => Ok(list(&state.contacts, params)),
        "crm.category.list" => Ok(json!({"result": {"categories":
            BITRIX_CATEGORIES.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>()}})),
        "crm.status.list" => {
            let entity = params["filter"]["ENTITY_ID"].as_str().unwrap_or_default();
            let category = entity
                .strip_prefix("DEAL_STAGE_")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            Ok(
                json!({"result": BITRIX_STAGES.iter().enumerate().map(|(i, (id, name))| json!({
                "ENTITY_ID": entity, "STATUS_ID": bitrix_stage(category, id), "NAME": name, "SORT": (i + 1) * 10
            })).collect::<Vec<_>>()}),
            )
        }
        "crm.deal.add" => {
            let fields = params["fields"].as_object().cloned().unwrap_or_default();
            if fields
                .get("TITLE")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                return Err(("ERROR_CORE".into(), "Required fields: TITLE".into()));
            }
            let id = state.next_deal;
            state.next_deal += 1;
            state.clock = (state.clock + 1).max(now_s());
            let mut deal = Value::Object(fields);
            deal["ID"] = json!(id.to_string());
            deal["DATE_MODIFY"] = json!(iso(state.clock));
            state.deals.insert(id, deal);
            state.counters.deals_added += 1;
            Ok(json!({"result": id}))
        }
        "crm.deal.update" => {
            let id = as_u64(&params["id"]).unwrap_or(0);
            state.clock = (state.clock + 1).max(now_s());
            let clock = state.clock;
            let Some(deal) = state.deals.get_mut(&id) else {
                return Err(("NOT_FOUND".into(), "Not found".into()));
            };
            for (key, value) in params["fields"].as_object().cloned().unwrap_or_default() {
                deal[key] = value;
            }
            deal["DATE_MODIFY"] = json!(iso(clock));
            Ok(json!({"result": true}))
        }
        other => Err((
            "ERROR_METHOD_NOT_FOUND".into(),
            format!("Method not found: {other}"),
        )),
    }
}

struct KommoState {
    leads: BTreeMap<u64, Value>,
    contacts: BTreeMap<u64, Value>,
    /// Arrival times of the last requests, for the 7-per-second limit.
    window: VecDeque<Instant>,
    counters: Counters,
    delay: Duration,
    clock: i64,
}

/// The fake Kommo account's currency (`GET /api/v4/account` → `currency`).
pub const KOMMO_CURRENCY: &str = "RUB";

/// A Kommo account on 127.0.0.1.
pub struct FakeKommo {
    pub server: Server,
    state: Arc<Mutex<KommoState>>,
}

/// Lead `id` as generated: pipeline 1 or 2, one of its two statuses, price `id × 100`.
pub fn kommo_lead(id: u64) -> Value {
    let pipeline = 1 + id % 2;
    let status = pipeline * 10 + 1 + id / 2 % 2;
    json!({"id": id, "name": format!("Lead {id}"), "price": id * 100, "pipeline_id": pipeline,
           "status_id": status, "updated_at": BASE_TIME + id as i64, "_embedded": {"contacts": []}})
}

impl FakeKommo {
    /// An account with `leads` generated leads and `contacts` contacts; the token is `token`.
    pub async fn start(leads: u64, contacts: u64, token: &str) -> Self {
        let state = Arc::new(Mutex::new(KommoState {
            leads: (1..=leads).map(|id| (id, kommo_lead(id))).collect(),
            contacts: (1..=contacts)
                .map(|id| (id, json!({"id": id, "name": format!("Contact {id}"), "updated_at": BASE_TIME + id as i64})))
                .collect(),
            window: VecDeque::new(),
            counters: Counters::default(),
            delay: Duration::ZERO,
            clock: BASE_TIME + leads as i64 + 1000,
        }));
        let shared = Arc::clone(&state);
        let expected = format!("Bearer {token}");
        let server = Server::start(Behaviour::Full(Arc::new(move |request: &Request| {
            answer_kommo(&shared, &expected, request)
        })))
        .await;
        Self { server, state }
    }

    pub fn counters(&self) -> Counters {
        self.state.lock().unwrap().counters.clone()
    }

    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    pub fn leads(&self) -> BTreeMap<u64, Value> {
        self.state.lock().unwrap().leads.clone()
    }

    /// Renames leads `ids` and moves their `updated_at` past every earlier change.
    pub fn touch(&self, ids: &[u64]) {
        let mut state = self.state.lock().unwrap();
        for id in ids {
            state.clock = (state.clock + 1).max(now_s());
            let clock = state.clock;
            if let Some(lead) = state.leads.get_mut(id) {
                lead["name"] = json!(format!("Lead {id} (edited)"));
                lead["updated_at"] = json!(clock);
            }
        }
    }
}

fn query_param<'a>(path: &'a str, name: &str) -> Option<&'a str> {
    path.split_once('?')?
        .1
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

fn answer_kommo(state: &Mutex<KommoState>, expected: &str, request: &Request) -> Reply {
    let mut state = state.lock().unwrap();
    let delay = state.delay;
    let now = Instant::now();
    while state
        .window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
    {
        state.window.pop_front();
    }
    if state.window.len() >= 7 {
        state.counters.limit_exceeded += 1;
        return Reply::json(429, json!({"title": "Too Many Requests", "status": 429}))
            .header("Retry-After", "1");
    }
    state.window.push_back(now);
    state.counters.requests += 1;
    if request.header("authorization") != Some(expected) {
        return Reply::json(
            401,
            json!({"title": "Unauthorized", "status": 401, "detail": "Invalid token"}),
        );
    }
    let path = request.path.as_str();
    let reply = if path == "/api/v4/account" || path.starts_with("/api/v4/account?") {
        // "Account parameters": the health check reads `name`, the sync `currency`.
        Reply::json(
            200,
            json!({"id": 30896271, "name": "Acme (local)", "subdomain": "acme",
                   "country": "RU", "currency": KOMMO_CURRENCY, "currency_symbol": "₽"}),
        )
    } else if path.starts_with("/api/v4/leads/pipelines") {
        let pipelines: Vec<Value> = [1u64, 2]
            .iter()
            .map(|p| {
                let statuses: Vec<Value> = [1u64, 2]
                    .iter()
                    .map(|s| {
                        json!({"id": p * 10 + s, "pipeline_id": p,
                        "name": if *s == 1 { "Incoming" } else { "Negotiation" }})
                    })
                    .collect();
                json!({"id": p, "name": if *p == 1 { "Sales" } else { "Partners" },
                       "_embedded": {"statuses": statuses}})
            })
            .collect();
        Reply::json(200, json!({"_embedded": {"pipelines": pipelines}}))
    } else if let Some((records, key, route)) = if path.starts_with("/api/v4/leads?") {
        Some((&state.leads, "leads", "/api/v4/leads"))
    } else if path.starts_with("/api/v4/contacts") {
        Some((&state.contacts, "contacts", "/api/v4/contacts"))
    } else {
        None
    } {
        let page: usize = query_param(path, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let limit: usize = query_param(path, "limit")
            .and_then(|p| p.parse().ok())
            .unwrap_or(50);
        let since: Option<i64> = query_param(path, "filter[updated_at][from]")
            .or_else(|| query_param(path, "filter%5Bupdated_at%5D%5Bfrom%5D"))
            .and_then(|p| p.parse().ok());
        if limit > 250 || page == 0 {
            return Reply::json(
                400,
                json!({"title": "Bad Request", "detail": "limit must be 1-250"}),
            );
        }
        let matching: Vec<&Value> = records
            .values()
            .filter(|r| since.is_none_or(|s| r["updated_at"].as_i64().unwrap_or(0) >= s))
            .collect();
        let items: Vec<Value> = matching
            .iter()
            .skip((page - 1) * limit)
            .take(limit)
            .map(|r| (*r).clone())
            .collect();
        if items.is_empty() {
            Reply::new(204, "")
        } else {
            let mut links = json!({"self": {"href": format!("{route}?page={page}&limit={limit}")}});
            if page * limit < matching.len() {
                links["next"] = json!({"href": format!("{route}?page={}&limit={limit}", page + 1)});
            }
            Reply::json(
                200,
                json!({"_page": page, "_links": links, "_embedded": {key: items}}),
            )
        }
    } else {
        Reply::json(404, json!({"title": "Not Found"}))
    };
    reply.after(delay)
}
