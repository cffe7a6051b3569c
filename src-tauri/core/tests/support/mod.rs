//! Local servers for tests, on free 127.0.0.1 ports, stopped when dropped. Each speaks just enough
//! HTTP/1.1 to exercise a client: fixed answers, silence, slow bytes, garbage.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod fake_crm;

use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::{NewIntegration, Patchbay, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The bridge the tests use: "Partner → Main", deals entering `C1:WON` go to pipeline 4 at `C4:NEW`
/// with their title copied through `transform`.
pub fn won_deals_bridge(
    source_integration_id: i64,
    target_integration_id: i64,
    transform: patchbay_core::crm::bridge::Transform,
    on_rerun: patchbay_core::crm::bridge::OnRerun,
) -> patchbay_core::crm::bridge::BridgeInput {
    use patchbay_core::crm::bridge::{BridgeInput, FieldRule, Mapping, RuleSource};
    BridgeInput {
        name: "Partner → Main".into(),
        source_integration_id,
        target_integration_id,
        trigger_stage: "C1:WON".into(),
        mapping: Mapping {
            fields: vec![FieldRule {
                target: "TITLE".into(),
                source: RuleSource::Field {
                    field: "TITLE".into(),
                },
                transform,
            }],
            stages: BTreeMap::from([("C1:WON".to_owned(), "C4:NEW".to_owned())]),
            target_category: Some("4".into()),
        },
        on_rerun,
    }
}

/// What a server does with each connection.
#[derive(Clone)]
pub enum Behaviour {
    /// Answers every request with the route's reply, or 404.
    Routes(Arc<dyn Fn(&str) -> Reply + Send + Sync>),
    /// Answers from the path (with query) and the request body.
    Requests(Arc<dyn Fn(&str, &str) -> Reply + Send + Sync>),
    /// Answers from the whole request (method, path, headers, body).
    Full(Arc<dyn Fn(&Request) -> Reply + Send + Sync>),
    /// Accepts and never answers.
    Silent,
    /// Sends a valid status line, then one byte per second.
    Slowloris,
    /// Answers with bytes that are not HTTP.
    Garbage,
}

/// A request as a [`Behaviour::Full`] server sees it.
pub struct Request {
    pub method: String,
    /// Path with query.
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A canned HTTP answer.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Delay before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Self::new(status, value.to_string()).header("Content-Type", "application/json")
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A running server; requests seen are recorded as `METHOD path` plus headers.
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let behaviour = behaviour.clone();
                let seen = Arc::clone(&seen);
                tokio::spawn(async move { serve(stream, behaviour, seen).await });
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    /// Answers every path with `reply`.
    pub async fn always(reply: Reply) -> Self {
        Self::start(Behaviour::Routes(Arc::new(move |_| reply.clone()))).await
    }

    /// Answers by path (`/healthz`, `/api/v4/account` …); others get 404.
    pub async fn routes(routes: Vec<(&'static str, Reply)>) -> Self {
        let map: BTreeMap<String, Reply> =
            routes.into_iter().map(|(p, r)| (p.to_owned(), r)).collect();
        Self::start(Behaviour::Routes(Arc::new(move |path| {
            let path = path.split('?').next().unwrap_or(path);
            map.get(path)
                .cloned()
                .unwrap_or_else(|| Reply::new(404, "not found"))
        })))
        .await
    }

    pub fn request_log(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A 127.0.0.1 port with nothing listening (bound, then released).
pub async fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour, seen: Arc<Mutex<Vec<String>>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(read) = stream.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if buffer[0] == 0x16 {
            // A TLS ClientHello sent to this plain-HTTP server: answer like nginx does.
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
            return;
        }
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let length = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                }
            }
            let body = String::from_utf8_lossy(&buffer[end + 4..]).into_owned();
            if !matches!(behaviour, Behaviour::Full(_)) {
                seen.lock().unwrap().push(format!("{head}\r\n\r\n{body}"));
            }
            match &behaviour {
                Behaviour::Silent => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                Behaviour::Garbage => {
                    let _ = stream
                        .write_all(b"\x00\x01garbage that is not HTTP\r\n\r\n")
                        .await;
                }
                Behaviour::Slowloris => {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                        .await;
                    for _ in 0..1000 {
                        if stream.write_all(b"x").await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                Behaviour::Routes(_) | Behaviour::Requests(_) | Behaviour::Full(_) => {
                    let reply = match &behaviour {
                        Behaviour::Routes(route) => route(&path),
                        Behaviour::Requests(answer) => answer(&path, &body),
                        Behaviour::Full(answer) => answer(&Request {
                            method: head.split_whitespace().next().unwrap_or("GET").to_owned(),
                            path: path.clone(),
                            headers: head
                                .lines()
                                .skip(1)
                                .filter_map(|line| line.split_once(':'))
                                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                                .collect(),
                            body: body.clone(),
                        }),
                        _ => unreachable!(),
                    };
                    tokio::time::sleep(reply.delay).await;
                    let mut response = format!(
                        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        reply.status,
                        reply.body.len()
                    );
                    for (name, value) in &reply.headers {
                        response.push_str(&format!("{name}: {value}\r\n"));
                    }
                    response.push_str("\r\n");
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.write_all(&reply.body).await;
                }
            }
            return;
        }
    }
}

/// A core over an in-memory database and keychain.
pub fn core() -> Arc<Patchbay> {
    Arc::new(Patchbay::with_parts(
        Store::open_in_memory().unwrap(),
        Credentials::new(Box::new(MemoryBackend::default())),
    ))
}

/// Creates an integration of `provider` with `config` and `secrets`; returns its id.
pub fn add(
    core: &Patchbay,
    provider: &str,
    name: &str,
    config: &[(&str, &str)],
    secrets: &[(&str, &str)],
) -> i64 {
    core.create_integration(NewIntegration {
        project_id: None,
        provider: provider.into(),
        name: name.into(),
        active: None,
        check_interval_s: None,
        config: config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        secrets: secrets
            .iter()
            .map(|(k, v)| ((*k).to_owned(), SecretString::from(*v)))
            .collect(),
    })
    .unwrap()
    .id
}
