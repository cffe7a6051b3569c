//! The PostgreSQL health check against a real server from Debian's `postgresql` package, started in a
//! temporary directory on a free 127.0.0.1 port with password (SCRAM) authentication and no TLS.
//! As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use patchbay_core::health::{run_check, CheckContext, CheckErrorKind, CheckResult};
use patchbay_core::HealthStatus;
use support::{add, core, refused_port};

fn pg_bin(tool: &str) -> PathBuf {
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries (Debian package postgresql) must be installed")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    versions
        .last()
        .expect("no PostgreSQL version installed")
        .join("bin")
        .join(tool)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL tool, as `postgres` when we are root.
fn pg(tool: &str, args: &[&str]) -> std::process::Output {
    let mut command = if is_root() {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(pg_bin(tool));
        runuser
    } else {
        Command::new(pg_bin(tool))
    };
    command.args(args).output().unwrap()
}

struct PgServer {
    dir: tempfile::TempDir,
    port: u16,
}

impl PgServer {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    async fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("patchbay-pg-")
            .tempdir()
            .unwrap();
        if is_root() {
            assert!(Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap()
                .success());
        }
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, "monitor-pass\n").unwrap();
        if is_root() {
            Command::new("chown")
                .arg("postgres")
                .arg(&pwfile)
                .status()
                .unwrap();
        }
        let data = dir.path().join("data");
        let init = pg(
            "initdb",
            &[
                "-D",
                path(&data),
                "-U",
                "monitor",
                "--auth=scram-sha-256",
                "--pwfile",
                path(&pwfile),
                "-E",
                "UTF8",
            ],
        );
        assert!(
            init.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let port = refused_port().await;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={}",
            path(dir.path())
        );
        let log = dir.path().join("log");
        let started = pg(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-o",
                &options,
                "-l",
                path(&log),
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
        assert!(
            started.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        Self { dir, port }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = pg(
            "pg_ctl",
            &["-D", path(&self.data()), "-m", "immediate", "-w", "stop"],
        );
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn check(port: u16, database: &str, password: &str, sslmode: &str) -> CheckResult {
    let core = core();
    let port = port.to_string();
    let id = add(
        &core,
        "postgres",
        "DB",
        &[
            ("host", "127.0.0.1"),
            ("port", &port),
            ("database", database),
            ("username", "monitor"),
            ("sslmode", sslmode),
        ],
        &[("password", password)],
    );
    let context = CheckContext::new(Duration::from_secs(3), Duration::from_secs(2)).unwrap();
    run_check(&core.check_target(id).unwrap(), &context).await
}

#[tokio::test]
async fn postgres_check_logs_in_and_classifies_failures_against_a_real_server() {
    let server = PgServer::start().await;
    let ok = check(server.port, "postgres", "monitor-pass", "prefer").await;
    assert_eq!(ok.status, HealthStatus::Healthy, "{ok:?}");
    assert_eq!(ok.detail, "logged in as monitor to postgres");

    let wrong = check(server.port, "postgres", "wrong-pass", "disable").await;
    assert_eq!(wrong.error_kind, Some(CheckErrorKind::Auth), "{wrong:?}");
    assert!(!wrong.detail.contains("wrong-pass"));

    let missing = check(server.port, "no_such_db", "monitor-pass", "disable").await;
    assert_eq!(
        missing.error_kind,
        Some(CheckErrorKind::Config),
        "{missing:?}"
    );

    let require_tls = check(server.port, "postgres", "monitor-pass", "require").await;
    assert_eq!(
        require_tls.error_kind,
        Some(CheckErrorKind::Tls),
        "{require_tls:?}"
    );

    let closed = check(refused_port().await, "postgres", "monitor-pass", "disable").await;
    assert_eq!(
        closed.error_kind,
        Some(CheckErrorKind::Connect),
        "{closed:?}"
    );
}
