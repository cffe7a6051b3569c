//! `patchbay`: the command line over the same core, database and keychain as the desktop app.
//! The interface is SPEC §6 and is stable: scripts and tests rely on it.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod bundle;
use patchbay_core::health::service::HealthService;
use patchbay_core::{
    Error, HealthStatus, Integration, IntegrationQuery, NewIntegration, Patchbay, SecretString,
    SortKey,
};

/// Patchbay: integration credentials, health and runs from the command line.
#[derive(Parser)]
#[command(name = "patchbay", version, about)]
struct Cli {
    /// Data directory (default: $PATCHBAY_DATA_DIR, else the OS app-data dir).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Projects (clients).
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Integrations.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// E-mail templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// n8n routes and triggers.
    #[command(subcommand)]
    N8n(N8nCommand),
    /// CRM sync runs (Kommo, Bitrix24).
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Audit webhooks: verify a delivery's signature (for receivers and scripts).
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Run a health check: one integration, or every active one with --all.
    /// Exit status: 0 all healthy (or degraded), 1 any unhealthy, 2 error.
    Check(CheckArgs),
}

#[derive(Subcommand)]
enum TemplateCommand {
    /// Render a template file offline and print it. `.mjml` files are MJML, anything else HTML. An
    /// optional front matter sets the subject: a first line `---`, `subject: …`, then `---`.
    Preview {
        /// Template file.
        file: PathBuf,
        /// Variables as a JSON object.
        #[arg(long, value_name = "FILE.json")]
        data: Option<PathBuf>,
        /// What to print.
        #[arg(long, value_enum, default_value_t = PreviewFormat::Html)]
        format: PreviewFormat,
        /// Fail on undefined variables (naming them, with line and column).
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand)]
enum N8nCommand {
    /// Trigger a route: POST its payload to the workflow's webhook. With --wait, follow the execution;
    /// the exit status is 0 when it succeeded, 1 when it failed.
    Trigger {
        /// n8n integration id.
        id: i64,
        /// Action key of the route.
        action_key: String,
        /// JSON payload (default: the route's default payload, else {}).
        #[arg(long, value_name = "FILE.json")]
        data: Option<PathBuf>,
        /// Follow the n8n execution until it ends (needs the integration's API key).
        #[arg(long)]
        wait: bool,
    },
    /// Routes of an integration.
    #[command(subcommand)]
    Route(RouteCommand),
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Check `X-Patchbay-Signature` against a body. The secret is read from PATCHBAY_WEBHOOK_SECRET or
    /// one line of stdin. Exit 0 valid, 1 invalid.
    Verify {
        /// The header value, `t=<unix>,v1=<hex>`.
        #[arg(long)]
        signature: String,
        /// File with the exact request body.
        #[arg(long)]
        body: PathBuf,
        /// Accepted clock difference, seconds.
        #[arg(long, default_value_t = patchbay_core::signing::DEFAULT_TOLERANCE_S)]
        tolerance: i64,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Sync a Kommo or Bitrix24 integration into the local records. Resumes the integration's
    /// interrupted or failed run from its cursor unless --full. Exit 0 succeeded, 1 failed.
    Run {
        /// Integration id.
        id: i64,
        /// Comma-separated: pipelines, deals, contacts.
        #[arg(long, default_value = "pipelines,deals,contacts")]
        entities: String,
        /// Resync everything instead of records changed since the last successful sync.
        #[arg(long)]
        full: bool,
    },
    /// List sync runs, newest first.
    List,
    /// Show one run with its log.
    Show {
        /// Run id.
        run_id: i64,
    },
}

#[derive(Subcommand)]
enum RouteCommand {
    /// Add a route.
    Add {
        /// n8n integration id.
        id: i64,
        /// Action key (^[a-zA-Z0-9._-]+$, unique per integration).
        #[arg(long)]
        key: String,
        /// Webhook path of the workflow's Webhook node.
        #[arg(long)]
        path: String,
        /// HTTP method.
        #[arg(long, default_value = "POST")]
        method: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// List routes.
    List {
        /// n8n integration id.
        id: i64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PreviewFormat {
    Html,
    Text,
    Eml,
}

#[derive(Args)]
struct CheckArgs {
    /// Integration id (omit with --all).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    id: Option<i64>,
    /// Check every active integration (in --project when given).
    #[arg(long)]
    all: bool,
    /// Probe even when a result younger than 60 s is cached.
    #[arg(long)]
    force: bool,
    /// With --all: only this project (name).
    #[arg(long, requires = "all")]
    project: Option<String>,
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Create a project.
    Add {
        /// Project name.
        name: String,
    },
    /// List projects.
    List,
    /// Export a project's integrations, routes, templates, bridges and webhook endpoints as JSON.
    /// Secrets are left out unless --with-secrets, which encrypts them to a passphrase read from
    /// PATCHBAY_PASSPHRASE or one line of stdin.
    Export {
        /// Project name.
        name: String,
        /// Write to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Include the secrets, encrypted (age, scrypt).
        #[arg(long)]
        with_secrets: bool,
    },
    /// Import an export. Everything is checked first; nothing is written on any error, and names
    /// already taken are listed, never overwritten. The passphrase of an export with secrets comes
    /// from PATCHBAY_PASSPHRASE or one line of stdin.
    Import {
        /// The exported file.
        file: PathBuf,
        /// Project to import into (created when missing); default: the exported project's name.
        #[arg(long, value_name = "NAME")]
        into: Option<String>,
        /// Import without the secrets; integrations missing a required secret arrive inactive.
        #[arg(long)]
        skip_secrets: bool,
    },
}

#[derive(Subcommand)]
enum IntegrationCommand {
    /// Add an integration. Secrets are never taken from arguments: each `--secret FIELD` is read from
    /// PATCHBAY_SECRET_<FIELD> or, failing that, one line of stdin.
    Add(AddArgs),
    /// List integrations, one page at a time.
    List(ListArgs),
    /// Show one integration (secrets are shown as set/unset, never their values).
    Show {
        /// Integration id.
        id: i64,
    },
    /// Delete an integration and its keychain entries.
    Rm {
        /// Integration id.
        id: i64,
    },
}

#[derive(Args)]
struct AddArgs {
    /// Provider id (smtp, http, n8n, kommo, bitrix24).
    #[arg(long)]
    provider: String,
    /// Name, unique within the project.
    #[arg(long)]
    name: String,
    /// Project name (default: the "Default" project).
    #[arg(long)]
    project: Option<String>,
    /// A non-secret field, `key=value`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// A secret field to read from PATCHBAY_SECRET_<FIELD> or stdin; repeatable.
    #[arg(long = "secret", value_name = "FIELD")]
    secret: Vec<String>,
    /// Seconds between scheduled health checks (30–86400).
    #[arg(long)]
    interval: Option<i64>,
    /// Create it disabled.
    #[arg(long)]
    inactive: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Status,
    Provider,
    Name,
    Updated,
    Checked,
}

#[derive(Args)]
struct ListArgs {
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// Rows per page (1–100).
    #[arg(long, default_value_t = 10)]
    per_page: u32,
    /// Sort column.
    #[arg(long, value_enum, default_value_t = SortArg::Name)]
    sort: SortArg,
    /// Descending order.
    #[arg(long)]
    desc: bool,
    /// Only this provider.
    #[arg(long)]
    provider: Option<String>,
    /// Only this status (healthy, degraded, unhealthy, unknown).
    #[arg(long)]
    status: Option<String>,
    /// Only this project (name).
    #[arg(long)]
    project: Option<String>,
    /// Case-insensitive text in the name or provider.
    #[arg(long)]
    search: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(Outcome::AllHealthy) => ExitCode::SUCCESS,
        Ok(Outcome::SomeUnhealthy) => ExitCode::from(1),
        Err(error) => {
            if cli.json {
                let payload = serde_json::to_string(&error.to_payload())
                    .unwrap_or_else(|_| error.to_string());
                eprintln!("{payload}");
            } else {
                eprintln!("patchbay: {error}");
            }
            ExitCode::from(2)
        }
    }
}

/// How a successful command ended, for the exit status.
enum Outcome {
    AllHealthy,
    SomeUnhealthy,
}

fn run(cli: &Cli) -> patchbay_core::Result<Outcome> {
    if let Command::Webhook(WebhookCommand::Verify {
        signature,
        body,
        tolerance,
    }) = &cli.command
    {
        return verify_webhook(cli.json, signature, body, *tolerance);
    }
    if let Command::Template(TemplateCommand::Preview {
        file,
        data,
        format,
        strict,
    }) = &cli.command
    {
        return preview(cli.json, file, data.as_deref(), *format, *strict)
            .map(|()| Outcome::AllHealthy);
    }
    let data_dir = match &cli.data_dir {
        Some(dir) => dir.clone(),
        None => patchbay_core::default_data_dir()?,
    };
    let core = Patchbay::open(&data_dir)?;
    if let Command::Check(args) = &cli.command {
        return check(cli.json, core, args);
    }
    if let Command::N8n(command) = &cli.command {
        return n8n(cli.json, core, command);
    }
    if let Command::Sync(command) = &cli.command {
        return sync(cli.json, core, command);
    }
    match &cli.command {
        Command::Project(ProjectCommand::Add { name }) => {
            let project = core.create_project(name)?;
            output(cli.json, &project, || {
                format!("created project {} ({})", project.id, project.name)
            })
        }
        Command::Project(ProjectCommand::List) => {
            let projects = core.list_projects()?;
            output(cli.json, &projects, || {
                projects
                    .iter()
                    .map(|p| {
                        format!(
                            "{:>4}  {}  ({} integrations)",
                            p.id, p.name, p.integration_count
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Project(ProjectCommand::Export {
            name,
            out,
            with_secrets,
        }) => bundle::export(&core, name, out.as_deref(), *with_secrets),
        Command::Project(ProjectCommand::Import {
            file,
            into,
            skip_secrets,
        }) => bundle::import(cli.json, &core, file, into.clone(), *skip_secrets),
        Command::Integration(IntegrationCommand::Add(args)) => {
            let created = core.create_integration(new_integration(&core, args)?)?;
            output(cli.json, &created, || {
                format!("created integration {} ({})", created.id, created.name)
            })
        }
        Command::Integration(IntegrationCommand::List(args)) => {
            let page = core.list_integrations(&list_query(&core, args)?)?;
            output(cli.json, &page, || {
                let first = (i64::from(page.page) - 1) * i64::from(page.per_page);
                let mut lines = vec![format!(
                    "{:>5}  {:<10} {:<12} {:<28} {:<10} {}",
                    "ID", "STATUS", "PROVIDER", "NAME", "PROJECT", "ACTIVE"
                )];
                lines.extend(page.items.iter().map(|i| {
                    format!(
                        "{:>5}  {:<10} {:<12} {:<28} {:<10} {}",
                        i.id,
                        i.status.as_str(),
                        i.provider,
                        i.name,
                        i.project_name,
                        if i.active { "yes" } else { "no" }
                    )
                }));
                let shown_to = first + i64::try_from(page.items.len()).unwrap_or(0);
                let from = if page.items.is_empty() { 0 } else { first + 1 };
                lines.push(format!("Showing {from}–{shown_to} of {}", page.total));
                lines.join("\n")
            })
        }
        Command::Integration(IntegrationCommand::Show { id }) => {
            let integration = core.get_integration(*id)?;
            output(cli.json, &integration, || describe(&integration))
        }
        Command::Integration(IntegrationCommand::Rm { id }) => {
            core.delete_integration(*id)?;
            output(cli.json, &serde_json::json!({ "deleted": id }), || {
                format!("deleted integration {id}")
            })
        }
        Command::Check(_)
        | Command::Template(_)
        | Command::N8n(_)
        | Command::Sync(_)
        | Command::Webhook(_) => Err(Error::Internal("handled above".into())),
    }
    .map(|()| Outcome::AllHealthy)
}

/// Splits an optional `---` / `subject: …` / `---` front matter from the template body.
fn front_matter(text: &str) -> (Option<String>, &str) {
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return (None, text);
    };
    let Some(end) = rest.find("\n---") else {
        return (None, text);
    };
    let subject = rest[..end]
        .lines()
        .find_map(|line| line.strip_prefix("subject:"))
        .map(|s| s.trim().to_owned());
    let body = rest[end + 4..].trim_start_matches(['\r', '\n']);
    (subject, body)
}

fn preview(
    json: bool,
    file: &std::path::Path,
    data: Option<&std::path::Path>,
    format: PreviewFormat,
    strict: bool,
) -> patchbay_core::Result<()> {
    use patchbay_core::templates::render::{render, BodyFormat, Envelope, TemplateSource};
    let read = |path: &std::path::Path, field: &str| {
        std::fs::read_to_string(path).map_err(|error| {
            Error::validation(field, format!("cannot read {}: {error}", path.display()))
        })
    };
    let text = read(file, "file")?;
    let (subject, body) = front_matter(&text);
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = TemplateSource {
        subject: subject.unwrap_or(stem),
        format: if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("mjml"))
        {
            BodyFormat::Mjml
        } else {
            BodyFormat::Html
        },
        body: body.to_owned(),
        text_body: None,
    };
    let values: serde_json::Value = match data {
        Some(path) => serde_json::from_str(&read(path, "data")?).map_err(|error| {
            Error::validation(
                "data",
                format!("{} is not valid JSON: {error}", path.display()),
            )
        })?,
        None => serde_json::json!({}),
    };
    let rendered = render(&source, &values, strict, &Envelope::default())
        .map_err(|error| Error::validation("template", error.to_string()))?;
    for warning in &rendered.warnings {
        eprintln!("patchbay: warning: {warning}");
    }
    if json {
        return output(true, &rendered, String::new);
    }
    let out = match format {
        PreviewFormat::Html => &rendered.html,
        PreviewFormat::Text => &rendered.text,
        PreviewFormat::Eml => &rendered.eml,
    };
    println!("{out}");
    Ok(())
}

fn n8n(json: bool, core: Patchbay, command: &N8nCommand) -> patchbay_core::Result<Outcome> {
    use patchbay_core::n8n::routes::RouteInput;
    match command {
        N8nCommand::Route(RouteCommand::Add {
            id,
            key,
            path,
            method,
            description,
        }) => {
            let input = RouteInput {
                action_key: key.clone(),
                webhook_path: path.clone(),
                method: Some(method.clone()),
                description: description.clone(),
                default_payload: None,
                workflow_id: None,
            };
            let route = core.add_route(*id, &input)?;
            output(json, &route, || {
                format!(
                    "added route {} → {} {}",
                    route.action_key, route.method, route.webhook_path
                )
            })?;
            Ok(Outcome::AllHealthy)
        }
        N8nCommand::Route(RouteCommand::List { id }) => {
            let routes = core.list_routes(*id)?;
            output(json, &routes, || {
                if routes.is_empty() {
                    return "no routes".into();
                }
                routes
                    .iter()
                    .map(|r| {
                        format!(
                            "{:<24} {:<6} {}  {}",
                            r.action_key, r.method, r.webhook_path, r.description
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            Ok(Outcome::AllHealthy)
        }
        N8nCommand::Trigger {
            id,
            action_key,
            data,
            wait,
        } => {
            let payload = match data {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|error| {
                        Error::validation(
                            "data",
                            format!("cannot read {}: {error}", path.display()),
                        )
                    })?;
                    Some(serde_json::from_str(&text).map_err(|error| {
                        Error::validation(
                            "data",
                            format!("{} is not valid JSON: {error}", path.display()),
                        )
                    })?)
                }
                None => None,
            };
            let runtime = tokio::runtime::Runtime::new()
                .map_err(|error| Error::Internal(error.to_string()))?;
            let trigger = patchbay_core::n8n::trigger::Trigger::new(std::sync::Arc::new(core))?;
            let outcome = runtime.block_on(trigger.trigger(*id, action_key, payload, *wait))?;
            output(json, &outcome, || {
                let mut lines = vec![format!(
                    "{}: {}",
                    outcome.run.status_text(),
                    outcome.message
                )];
                if let Some(execution) = &outcome.execution {
                    lines.push(format!(
                        "execution {} {} — {}",
                        execution.id, execution.status, execution.url
                    ));
                }
                lines.join("\n")
            })?;
            Ok(
                if outcome.run.status == patchbay_core::runs::RunStatus::Succeeded {
                    Outcome::AllHealthy
                } else {
                    Outcome::SomeUnhealthy
                },
            )
        }
    }
}

fn sync(json: bool, core: Patchbay, command: &SyncCommand) -> patchbay_core::Result<Outcome> {
    use patchbay_core::crm::sync::{Entity, Sync};
    use patchbay_core::runs::{RunKind, RunQuery, RunStatus};
    let describe = |run: &patchbay_core::runs::Run| {
        format!(
            "{:>5}  {:<12} {:<20} {:<40} {}",
            run.id,
            run.status_text(),
            run.integration_name.as_deref().unwrap_or("(deleted)"),
            run.title,
            run.error
                .clone()
                .or(run.summary.clone())
                .unwrap_or_default()
        )
    };
    match command {
        SyncCommand::Run { id, entities, full } => {
            let entities = entities
                .split(',')
                .filter(|e| !e.trim().is_empty())
                .map(Entity::parse)
                .collect::<patchbay_core::Result<Vec<_>>>()?;
            let runtime = tokio::runtime::Runtime::new()
                .map_err(|error| Error::Internal(error.to_string()))?;
            let run = runtime
                .block_on(Sync::new(std::sync::Arc::new(core))?.run(*id, entities, *full))?;
            output(json, &run, || describe(&run))?;
            Ok(if run.status == RunStatus::Succeeded {
                Outcome::AllHealthy
            } else {
                Outcome::SomeUnhealthy
            })
        }
        SyncCommand::List => {
            let runs = core.list_runs(&RunQuery {
                kind: Some(RunKind::CrmSync),
                desc: true,
                per_page: 100,
                ..Default::default()
            })?;
            output(json, &runs, || {
                runs.items
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            Ok(Outcome::AllHealthy)
        }
        SyncCommand::Show { run_id } => {
            let detail = core.run_detail(*run_id)?;
            output(json, &detail, || {
                let mut lines = vec![describe(&detail.run)];
                lines.extend(
                    detail
                        .logs
                        .iter()
                        .map(|l| format!("  {} {}", l.level, l.message)),
                );
                lines.join("\n")
            })?;
            Ok(Outcome::AllHealthy)
        }
    }
}

fn verify_webhook(
    json: bool,
    signature: &str,
    body: &std::path::Path,
    tolerance: i64,
) -> patchbay_core::Result<Outcome> {
    let secret = secret_input("PATCHBAY_WEBHOOK_SECRET", "secret")?;
    let bytes = std::fs::read(body).map_err(|error| {
        Error::validation("body", format!("cannot read {}: {error}", body.display()))
    })?;
    let now = patchbay_core::store::now_ms() / 1000;
    let verdict =
        patchbay_core::signing::verify(secret.as_bytes(), signature, &bytes, now, tolerance);
    let report = serde_json::json!({ "valid": verdict.is_ok(), "reason": verdict.as_ref().err().map(ToString::to_string) });
    output(json, &report, || match &verdict {
        Ok(()) => "valid".into(),
        Err(reason) => format!("invalid: {reason}"),
    })?;
    Ok(if verdict.is_ok() {
        Outcome::AllHealthy
    } else {
        Outcome::SomeUnhealthy
    })
}

fn check(json: bool, core: Patchbay, args: &CheckArgs) -> patchbay_core::Result<Outcome> {
    let runtime =
        tokio::runtime::Runtime::new().map_err(|error| Error::Internal(error.to_string()))?;
    let project_id = project_id(&core, args.project.as_ref())?;
    let service = HealthService::new(std::sync::Arc::new(core))?;
    runtime.block_on(async {
        if let Some(id) = args.id {
            let outcome = service.test(id, args.force).await?;
            let update = &outcome.update;
            let unhealthy = update.result.status == HealthStatus::Unhealthy;
            output(json, &outcome, || {
                format!(
                    "{}  {} ({})  {} in {} ms{}{}",
                    update.result.status.as_str(),
                    update.integration.name,
                    update.integration.provider,
                    update.result.detail,
                    update.result.latency_ms,
                    update
                        .result
                        .error_kind
                        .map(|kind| format!("  [{}]", kind.as_str()))
                        .unwrap_or_default(),
                    if outcome.cached {
                        "  (cached; --force to probe again)"
                    } else {
                        ""
                    }
                )
            })?;
            return Ok(if unhealthy {
                Outcome::SomeUnhealthy
            } else {
                Outcome::AllHealthy
            });
        }
        let mut updates = service.subscribe();
        let summary = service
            .check_all(IntegrationQuery {
                project_id,
                ..Default::default()
            })
            .await?;
        let mut lines = Vec::new();
        loop {
            let update = match updates.try_recv() {
                Ok(update) => update,
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            lines.push(format!(
                "{:<10} {:>5}  {:<28} {}",
                update.result.status.as_str(),
                update.integration.id,
                update.integration.name,
                update.result.detail
            ));
        }
        output(json, &summary, || {
            lines.push(format!(
                "{} checked: {} healthy, {} degraded, {} unhealthy, {} errors ({} ms)",
                summary.total,
                summary.healthy,
                summary.degraded,
                summary.unhealthy,
                summary.errors,
                summary.elapsed_ms
            ));
            lines.join("\n")
        })?;
        Ok(if summary.unhealthy + summary.errors > 0 {
            Outcome::SomeUnhealthy
        } else {
            Outcome::AllHealthy
        })
    })
}

/// A secret from environment variable `variable`, else one line of stdin (prompting `field: ` when
/// stdin is a terminal).
///
/// # Errors
/// [`Error::Validation`] on `field` when neither gives a value.
fn secret_input(variable: &str, field: &str) -> patchbay_core::Result<String> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(value);
    }
    if std::io::stdin().is_terminal() {
        eprint!("{field}: ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| Error::validation(field, format!("cannot read from stdin: {error}")))?;
    if line.is_empty() {
        return Err(Error::validation(
            field,
            format!("no value: set {variable} or pipe one line to stdin"),
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn output<T: serde::Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce() -> String,
) -> patchbay_core::Result<()> {
    if json {
        let rendered = serde_json::to_string_pretty(value)
            .map_err(|error| Error::Internal(error.to_string()))?;
        println!("{rendered}");
    } else {
        println!("{}", text());
    }
    Ok(())
}

fn describe(integration: &Integration) -> String {
    let mut lines = vec![
        format!("id:         {}", integration.id),
        format!("name:       {}", integration.name),
        format!("provider:   {}", integration.provider),
        format!("project:    {}", integration.project_name),
        format!("active:     {}", integration.active),
        format!("interval:   {} s", integration.check_interval_s),
        format!("status:     {}", integration.status.as_str()),
    ];
    lines.extend(
        integration
            .config
            .iter()
            .map(|(key, value)| format!("{key:<11} {value}")),
    );
    lines.extend(
        integration
            .secrets_set
            .iter()
            .map(|field| format!("{field:<11} <set in keychain>")),
    );
    lines.join("\n")
}

fn project_id(core: &Patchbay, name: Option<&String>) -> patchbay_core::Result<Option<i64>> {
    name.map(|name| core.project_by_name(name).map(|project| project.id))
        .transpose()
}

fn new_integration(core: &Patchbay, args: &AddArgs) -> patchbay_core::Result<NewIntegration> {
    let mut config = BTreeMap::new();
    for pair in &args.set {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::validation("set", format!("`{pair}` is not key=value")))?;
        config.insert(key.trim().to_owned(), value.to_owned());
    }
    let mut secrets = BTreeMap::new();
    for field in &args.secret {
        let variable = format!("PATCHBAY_SECRET_{}", field.to_uppercase());
        let value = secret_input(&variable, field)?;
        secrets.insert(field.clone(), SecretString::from(value));
    }
    Ok(NewIntegration {
        project_id: project_id(core, args.project.as_ref())?,
        provider: args.provider.clone(),
        name: args.name.clone(),
        active: Some(!args.inactive),
        check_interval_s: args.interval,
        config,
        secrets,
    })
}

fn list_query(core: &Patchbay, args: &ListArgs) -> patchbay_core::Result<IntegrationQuery> {
    Ok(IntegrationQuery {
        page: args.page,
        per_page: args.per_page,
        sort: match args.sort {
            SortArg::Status => SortKey::Status,
            SortArg::Provider => SortKey::Provider,
            SortArg::Name => SortKey::Name,
            SortArg::Updated => SortKey::Updated,
            SortArg::Checked => SortKey::LastChecked,
        },
        desc: args.desc,
        project_id: project_id(core, args.project.as_ref())?,
        provider: args.provider.clone(),
        status: args
            .status
            .as_deref()
            .map(HealthStatus::parse)
            .transpose()?,
        active: None,
        search: args.search.clone(),
    })
}
