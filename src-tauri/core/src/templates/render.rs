//! Offline rendering of e-mail templates: MiniJinja variables in subject and bodies, MJML → HTML with
//! `mrml`, CSS inlined with `css-inline` (no remote stylesheets, `@media` rules kept), a plain-text part
//! from `html2text` when none is written, and the MIME message built with `lettre`. No network is used.
//!
//! Errors point at the part, line and column; in strict mode an undefined variable is reported by name.

use std::collections::BTreeSet;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use minijinja::{AutoEscape, Environment, ErrorKind as JinjaKind, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Gmail clips messages whose HTML is larger than this many bytes.
pub const GMAIL_CLIP_BYTES: usize = 102 * 1024;
/// Upper bound on template instructions, so a hostile template cannot run for long.
const FUEL: u64 = 20_000_000;
/// Width of the generated plain-text part, characters.
const TEXT_WIDTH: usize = 78;

/// The body's markup language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BodyFormat {
    /// HTML.
    Html,
    /// MJML, rendered to HTML by mrml.
    Mjml,
}

/// What to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TemplateSource {
    /// Subject line (MiniJinja).
    pub subject: String,
    /// Body language.
    pub format: BodyFormat,
    /// Body (MiniJinja inside HTML or MJML).
    pub body: String,
    /// Plain-text body (MiniJinja); generated from the HTML when absent or empty.
    #[ts(optional)]
    pub text_body: Option<String>,
}

/// Which part of the template an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TemplatePart {
    /// The subject line.
    Subject,
    /// The HTML or MJML body.
    Body,
    /// The plain-text body.
    TextBody,
    /// The sample data (JSON).
    Data,
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RenderErrorKind {
    /// Template syntax (unclosed tag, unknown filter …).
    Syntax,
    /// Strict mode: a variable the data does not define.
    UndefinedVariable,
    /// Any other template evaluation error (bad filter argument, too much work).
    Template,
    /// MJML could not be parsed or rendered.
    Mjml,
    /// CSS inlining failed.
    Css,
    /// The sample data is not a JSON object.
    Data,
}

/// A rendering error with its position.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RenderError {
    /// Where.
    pub part: TemplatePart,
    /// What kind.
    pub kind: RenderErrorKind,
    /// Human-readable message.
    pub message: String,
    /// The undefined variable, in strict mode.
    pub variable: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let part = match self.part {
            TemplatePart::Subject => "subject",
            TemplatePart::Body => "body",
            TemplatePart::TextBody => "text body",
            TemplatePart::Data => "sample data",
        };
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{part}, line {line}, column {column}: {}", self.message)
            }
            (Some(line), None) => write!(f, "{part}, line {line}: {}", self.message),
            _ => write!(f, "{part}: {}", self.message),
        }
    }
}

impl std::error::Error for RenderError {}

/// Sender and recipient written into the MIME message.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// From.
    pub from: Mailbox,
    /// To.
    pub to: Mailbox,
}

impl Default for Envelope {
    /// Placeholder addresses for previews (`example.com` is reserved for examples, RFC 2606).
    #[allow(clippy::expect_used)] // literal, valid addresses
    fn default() -> Self {
        let mailbox = |name: &str, user: &str| {
            Mailbox::new(
                Some(name.to_owned()),
                lettre::Address::new(user, "example.com").expect("valid literal address"),
            )
        };
        Self {
            from: mailbox("Patchbay preview", "preview"),
            to: mailbox("Recipient", "recipient"),
        }
    }
}

/// The rendered message and what the preview shows about it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Rendered {
    /// Subject after variables.
    pub subject: String,
    /// Final HTML (MJML rendered, CSS inlined).
    pub html: String,
    /// Plain-text part (written or generated).
    pub text: String,
    /// Whether `text` was generated from the HTML.
    pub text_generated: bool,
    /// The whole MIME message (.eml).
    pub eml: String,
    /// Size of the MIME message, bytes.
    pub size_bytes: usize,
    /// Size of the HTML part, bytes.
    pub html_bytes: usize,
    /// Warnings: Gmail clipping, remote images and web fonts that do not load offline, MJML warnings.
    pub warnings: Vec<String>,
    /// Every link (`<a href>`) in the HTML, in order, without duplicates or in-page anchors.
    pub links: Vec<String>,
    /// Every variable the template uses (dotted paths), sorted.
    pub variables: Vec<String>,
    /// False for a live-preview render: the generated text part, `eml` and `size_bytes` are left out.
    pub complete: bool,
}

/// Every variable the template uses (dotted paths like `user.name`), sorted. Syntax errors yield what
/// could be read from the other parts.
pub fn variables(source: &TemplateSource) -> Vec<String> {
    let mut all = BTreeSet::new();
    for (text, _) in parts(source) {
        let env = environment(false, AutoEscape::None);
        if let Ok(template) = env.template_from_str(text) {
            all.extend(template.undeclared_variables(true));
        }
    }
    all.into_iter().collect()
}

/// Sample data for `variables`: each dotted path becomes nested objects ending in `"<path>"`.
pub fn sample_data(variables: &[String]) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    for path in variables {
        let mut node = &mut root;
        let segments: Vec<&str> = path.split('.').collect();
        for (index, segment) in segments.iter().enumerate() {
            if index + 1 == segments.len() {
                node.entry((*segment).to_owned())
                    .or_insert_with(|| serde_json::Value::String(format!("<{path}>")));
            } else {
                let entry = node
                    .entry((*segment).to_owned())
                    .or_insert_with(|| serde_json::Value::Object(Default::default()));
                if !entry.is_object() {
                    *entry = serde_json::Value::Object(Default::default());
                }
                let Some(next) = entry.as_object_mut() else {
                    break;
                };
                node = next;
            }
        }
    }
    serde_json::Value::Object(root)
}

fn parts(source: &TemplateSource) -> Vec<(&str, TemplatePart)> {
    let mut parts = vec![
        (source.subject.as_str(), TemplatePart::Subject),
        (source.body.as_str(), TemplatePart::Body),
    ];
    if let Some(text) = source.text_body.as_deref().filter(|t| !t.trim().is_empty()) {
        parts.push((text, TemplatePart::TextBody));
    }
    parts
}

fn environment(strict: bool, escape: AutoEscape) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(if strict {
        UndefinedBehavior::Strict
    } else {
        UndefinedBehavior::Chainable
    });
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(move |_| escape.clone());
    env
}

/// 1-based (line, column) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

fn defined(data: &serde_json::Value, path: &str) -> bool {
    path.split('.')
        .try_fold(data, |node, key| node.get(key))
        .is_some()
}

fn render_part(
    text: &str,
    part: TemplatePart,
    data: &serde_json::Value,
    strict: bool,
    escape: AutoEscape,
) -> Result<String, RenderError> {
    let env = environment(strict, escape);
    let fail = |error: &minijinja::Error, kind: RenderErrorKind, variable: Option<String>| {
        let (line, column) = match (error.range(), error.line()) {
            (Some(range), _) => {
                let (line, column) = position(text, range.start);
                (Some(line), Some(column))
            }
            (None, Some(line)) => (u32::try_from(line).ok(), None),
            _ => (None, None),
        };
        let message = match &variable {
            Some(name) => format!("`{name}` is not defined in the sample data"),
            None => error.detail().map_or_else(
                || error.kind().to_string(),
                |d| format!("{}: {d}", error.kind()),
            ),
        };
        // A variable without a usable range: find it on its line.
        let column = match (&variable, line, column) {
            (Some(name), Some(line), None) => text
                .lines()
                .nth(line as usize - 1)
                .and_then(|l| l.find(name.as_str()))
                .map(|byte| u32::try_from(byte + 1).unwrap_or(u32::MAX)),
            _ => column,
        };
        RenderError {
            part,
            kind,
            message,
            variable,
            line,
            column,
        }
    };
    let template = env
        .template_from_str(text)
        .map_err(|error| fail(&error, RenderErrorKind::Syntax, None))?;
    template
        .render(minijinja::value::Serde(data))
        .map_err(|error| {
            if error.kind() == JinjaKind::UndefinedError {
                // minijinja reports the line but not the name: take the first used variable the data lacks,
                // preferring one that appears on the reported line.
                let missing: Vec<String> = {
                    let mut used: Vec<String> =
                        template.undeclared_variables(true).into_iter().collect();
                    used.sort();
                    used.into_iter()
                        .filter(|path| !defined(data, path))
                        .collect()
                };
                let line_text = error
                    .line()
                    .and_then(|line| text.lines().nth(line.saturating_sub(1)));
                let name = missing
                    .iter()
                    .find(|path| line_text.is_some_and(|l| l.contains(path.as_str())))
                    .or(missing.first())
                    .cloned()
                    .or_else(|| error.range().map(|range| text[range].trim().to_owned()));
                fail(&error, RenderErrorKind::UndefinedVariable, name)
            } else {
                fail(&error, RenderErrorKind::Template, None)
            }
        })
}

fn mjml_to_html(mjml: &str) -> Result<(String, Vec<String>), RenderError> {
    let error = |message: String| RenderError {
        part: TemplatePart::Body,
        kind: RenderErrorKind::Mjml,
        message,
        variable: None,
        line: None,
        column: None,
    };
    let parsed = mrml::parse(mjml).map_err(|e| error(format!("MJML: {e}")))?;
    let warnings = parsed
        .warnings
        .iter()
        .map(|w| format!("MJML: {w:?}"))
        .collect();
    let options = mrml::prelude::render::RenderOptions {
        disable_comments: true,
        ..Default::default()
    };
    let html = parsed
        .element
        .render(&options)
        .map_err(|e| error(format!("MJML: {e}")))?;
    Ok((html, warnings))
}

fn inline_css(html: &str) -> Result<String, RenderError> {
    let inliner = css_inline::CSSInliner::options()
        .load_remote_stylesheets(false)
        .keep_at_rules(true)
        .keep_link_tags(true)
        .build();
    inliner.inline(html).map_err(|e| RenderError {
        part: TemplatePart::Body,
        kind: RenderErrorKind::Css,
        message: format!("CSS inlining failed: {e}"),
        variable: None,
        line: None,
        column: None,
    })
}

fn links(html: &str) -> Vec<String> {
    static HREF: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(pattern) = HREF
        .get_or_init(|| regex::Regex::new(r#"(?i)<a\b[^>]*?\bhref\s*=\s*["']([^"']+)["']"#).ok())
    else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    pattern
        .captures_iter(html)
        .map(|c| c[1].replace("&amp;", "&"))
        .filter(|link| !link.starts_with('#') && seen.insert(link.clone()))
        .collect()
}

fn offline_warnings(html: &str) -> Vec<String> {
    static REMOTE_IMG: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let lower = html.to_lowercase();
    let mut warnings = Vec::new();
    let remote_images = lower.matches("<img").count();
    let remote = REMOTE_IMG
        .get_or_init(|| regex::Regex::new(r#"(?i)<img[^>]+src\s*=\s*["']https?://"#).ok())
        .as_ref()
        .map_or(0, |re| re.find_iter(html).count());
    if remote > 0 {
        warnings.push(format!("{remote} of {remote_images} images are remote: they do not load offline, the preview shows their alt text"));
    }
    if lower.contains("fonts.googleapis.com")
        || lower.contains("@font-face")
        || lower.contains("@import url(")
    {
        warnings.push("Web fonts do not load offline: the preview shows the fallback font (as clients that block them do)".into());
    }
    warnings
}

/// Renders `source` with `data` (a JSON object) into the complete message. `strict` fails on undefined
/// variables.
///
/// # Errors
/// A [`RenderError`] with part, kind, line, column and, for undefined variables, the variable's name.
pub fn render(
    source: &TemplateSource,
    data: &serde_json::Value,
    strict: bool,
    envelope: &Envelope,
) -> Result<Rendered, RenderError> {
    render_scoped(source, data, strict, envelope, true)
}

/// Renders what the live preview shows as the user types: subject, final HTML (MJML rendered, CSS
/// inlined), warnings, links and variables. The generated text part and the MIME message — the slow,
/// unseen parts for a large MJML body — are left empty (`complete: false`); the preview asks for them
/// with [`render`] when the Text or Raw MIME tab is open, and sends and exports always use [`render`].
///
/// # Errors
/// As [`render`].
pub fn render_preview(
    source: &TemplateSource,
    data: &serde_json::Value,
    strict: bool,
) -> Result<Rendered, RenderError> {
    render_scoped(source, data, strict, &Envelope::default(), false)
}

fn render_scoped(
    source: &TemplateSource,
    data: &serde_json::Value,
    strict: bool,
    envelope: &Envelope,
    complete: bool,
) -> Result<Rendered, RenderError> {
    if !data.is_object() {
        return Err(RenderError {
            part: TemplatePart::Data,
            kind: RenderErrorKind::Data,
            message: "sample data must be a JSON object, e.g. {\"name\": \"Anna\"}".into(),
            variable: None,
            line: None,
            column: None,
        });
    }
    let subject = render_part(
        &source.subject,
        TemplatePart::Subject,
        data,
        strict,
        AutoEscape::None,
    )?;
    let subject = subject.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let body = render_part(
        &source.body,
        TemplatePart::Body,
        data,
        strict,
        AutoEscape::Html,
    )?;
    let (html, mut warnings) = match source.format {
        BodyFormat::Mjml => mjml_to_html(&body)?,
        BodyFormat::Html => (body, Vec::new()),
    };
    // The text part does not depend on inlined styles: generate it from the same HTML on a second
    // thread while the CSS is inlined (the two are the slowest steps for large MJML output).
    let written_text = source.text_body.as_deref().filter(|t| !t.trim().is_empty());
    let (inlined, generated) = std::thread::scope(|scope| {
        let generated = (complete && written_text.is_none()).then(|| {
            scope.spawn(|| html2text::from_read(html.as_bytes(), TEXT_WIDTH).unwrap_or_default())
        });
        let inlined = inline_css(&html);
        (
            inlined,
            generated.map(|handle| handle.join().unwrap_or_default()),
        )
    });
    let html = inlined?;
    let (text, text_generated) = match (written_text, generated) {
        (Some(text), _) => (
            render_part(text, TemplatePart::TextBody, data, strict, AutoEscape::None)?,
            false,
        ),
        (None, generated) => (generated.unwrap_or_default(), true),
    };
    if html.len() > GMAIL_CLIP_BYTES {
        warnings.insert(
            0,
            format!(
                "The HTML is {} KB: Gmail clips messages above 102 KB",
                html.len() / 1024
            ),
        );
    }
    warnings.extend(offline_warnings(&html));
    if !complete {
        return Ok(Rendered {
            subject,
            links: links(&html),
            html_bytes: html.len(),
            size_bytes: 0,
            html,
            text,
            text_generated,
            eml: String::new(),
            warnings,
            variables: variables(source),
            complete: false,
        });
    }
    let message = lettre::Message::builder()
        .from(envelope.from.clone())
        .to(envelope.to.clone())
        .subject(subject.clone())
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text.clone()),
                )
                // Base64 keeps long HTML lines intact and encodes far faster than quoted-printable.
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .header(ContentTransferEncoding::Base64)
                        .body(html.clone()),
                ),
        )
        .map_err(|e| RenderError {
            part: TemplatePart::Subject,
            kind: RenderErrorKind::Template,
            message: format!("cannot build the message: {e}"),
            variable: None,
            line: None,
            column: None,
        })?;
    let eml = String::from_utf8_lossy(&message.formatted()).into_owned();
    Ok(Rendered {
        subject,
        links: links(&html),
        html_bytes: html.len(),
        size_bytes: eml.len(),
        html,
        text,
        text_generated,
        eml,
        warnings,
        variables: variables(source),
        complete: true,
    })
}
