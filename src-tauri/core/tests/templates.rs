//! Template rendering: variables, filters and loops; strict errors naming the variable with its line and
//! column; syntax errors; MJML; CSS inlining; the text part; the MIME structure; and no panic on any input.

use patchbay_core::templates::render::{
    render, sample_data, variables, BodyFormat, Envelope, RenderErrorKind, TemplatePart,
    TemplateSource,
};
use proptest::prelude::*;
use serde_json::json;

fn html(subject: &str, body: &str) -> TemplateSource {
    TemplateSource {
        subject: subject.into(),
        format: BodyFormat::Html,
        body: body.into(),
        text_body: None,
    }
}

#[test]
fn variables_filters_and_loops_render_with_html_escaping() {
    let source = html(
        "Order {{ order.id }} for {{ customer.name | title }}",
        "<p>Hi {{ customer.name }}</p><ul>{% for item in order.items %}<li>{{ item.title }} × {{ item.qty }}</li>{% endfor %}</ul><p>{{ note }}</p>",
    );
    let data = json!({
        "order": {"id": 42, "items": [{"title": "Tea", "qty": 2}, {"title": "Cup", "qty": 1}]},
        "customer": {"name": "anna ivanova"},
        "note": "<script>alert(1)</script>"
    });
    let out = render(&source, &data, true, &Envelope::default()).unwrap();
    assert_eq!(out.subject, "Order 42 for Anna Ivanova");
    assert!(
        out.html.contains("<li>Tea × 2</li><li>Cup × 1</li>"),
        "{}",
        out.html
    );
    assert!(
        out.html.contains("&lt;script&gt;"),
        "HTML body must escape variables: {}",
        out.html
    );
    assert!(!out.html.contains("<script>"));
    assert_eq!(
        out.variables,
        vec!["customer.name", "note", "order.id", "order.items"]
    );
}

#[test]
fn strict_mode_names_the_undefined_variable_with_line_and_column() {
    let source = html("Hello", "<p>Hi</p>\n<p>Your code: {{ promo.code }}</p>");
    let error = render(&source, &json!({}), true, &Envelope::default()).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::UndefinedVariable);
    assert_eq!(error.part, TemplatePart::Body);
    assert_eq!(error.variable.as_deref(), Some("promo.code"));
    assert_eq!(error.line, Some(2));
    assert_eq!(error.column, Some(18), "points at `promo`: {error}");
    assert!(
        error.to_string().contains("`promo.code` is not defined"),
        "{error}"
    );
    // Lenient mode renders it empty instead.
    let out = render(&source, &json!({}), false, &Envelope::default()).unwrap();
    assert!(out.html.contains("Your code: </p>"));
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    let source = html("Hi {{ name", "<p>ok</p>");
    let error = render(&source, &json!({"name": "x"}), false, &Envelope::default()).unwrap_err();
    assert_eq!(
        (error.part, error.kind),
        (TemplatePart::Subject, RenderErrorKind::Syntax)
    );
    assert_eq!(error.line, Some(1));
    assert!(error.column.is_some(), "{error:?}");

    let source = html("Hi", "<p>\n{% for x in items %}\n{{ x }}\n</p>");
    let error = render(&source, &json!({"items": []}), false, &Envelope::default()).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::Syntax);
    assert!(error.line.is_some_and(|line| line >= 2), "{error:?}");
}

#[test]
fn mjml_renders_to_html_with_inlined_css_and_media_queries_kept() {
    let source = TemplateSource {
        subject: "Welcome".into(),
        format: BodyFormat::Mjml,
        body: r#"<mjml><mj-head><mj-style inline="inline">.hero { color: #ff0000; }</mj-style></mj-head>
<mj-body><mj-section><mj-column><mj-text css-class="hero">Hello {{ name }}</mj-text>
<mj-button href="https://example.com/start?a=1&amp;b=2">Start</mj-button></mj-column></mj-section></mj-body></mjml>"#
            .into(),
        text_body: None,
    };
    let out = render(
        &source,
        &json!({"name": "Anna"}),
        true,
        &Envelope::default(),
    )
    .unwrap();
    assert!(out.html.contains("Hello Anna"));
    assert!(
        out.html.contains("@media"),
        "responsive rules must survive inlining"
    );
    assert!(out.html.contains("style=\""), "CSS must be inlined");
    assert_eq!(out.links, vec!["https://example.com/start?a=1&b=2"]);
    assert!(out.text_generated);
    assert!(out.text.contains("Hello Anna"), "{}", out.text);
    assert!(
        out.warnings.iter().any(|w| w.contains("Web fonts")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn invalid_mjml_is_a_clear_error() {
    let source = TemplateSource {
        subject: "x".into(),
        format: BodyFormat::Mjml,
        body: "<mjml><mj-body><mj-section>".into(),
        text_body: None,
    };
    let error = render(&source, &json!({}), false, &Envelope::default()).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::Mjml);
    assert!(error.message.starts_with("MJML"));
}

#[test]
fn mime_is_multipart_alternative_with_encoded_utf8_subject() {
    let mut source = html("Заказ {{ id }} готов ✓", "<p>Привет, {{ name }}</p>");
    source.text_body = Some("Привет, {{ name }}".into());
    let out = render(
        &source,
        &json!({"id": 7, "name": "Анна"}),
        true,
        &Envelope::default(),
    )
    .unwrap();
    assert_eq!(out.subject, "Заказ 7 готов ✓");
    assert!(!out.text_generated);
    assert_eq!(out.text, "Привет, Анна");
    assert!(
        out.eml.contains("Content-Type: multipart/alternative"),
        "{}",
        out.eml
    );
    assert!(out.eml.contains("Content-Type: text/plain; charset=utf-8"));
    assert!(out.eml.contains("Content-Type: text/html; charset=utf-8"));
    let subject_line = out.eml.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(
        subject_line.contains("=?utf-8?"),
        "non-ASCII subject must be RFC 2047 encoded: {subject_line}"
    );
    assert_eq!(out.size_bytes, out.eml.len());
}

#[test]
fn large_html_warns_about_gmail_clipping_and_remote_images_are_flagged() {
    let filler = "<p>lorem ipsum dolor sit amet</p>".repeat(4_000);
    let out = render(
        &html(
            "Big",
            &format!("{filler}<img src=\"https://cdn.example.com/a.png\" alt=\"logo\">"),
        ),
        &json!({}),
        false,
        &Envelope::default(),
    )
    .unwrap();
    assert!(out.html_bytes > 102 * 1024);
    assert!(
        out.warnings[0].contains("Gmail clips"),
        "{:?}",
        out.warnings
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("1 of 1 images are remote")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn sample_data_is_generated_for_every_variable() {
    let source = html(
        "{{ user.first }} {{ user.last }}",
        "{{ total }} {{ user.address.city }}",
    );
    let vars = variables(&source);
    assert_eq!(
        vars,
        vec!["total", "user.address.city", "user.first", "user.last"]
    );
    let data = sample_data(&vars);
    assert_eq!(
        data,
        json!({"total": "<total>", "user": {"first": "<user.first>", "last": "<user.last>", "address": {"city": "<user.address.city>"}}})
    );
    render(&source, &data, true, &Envelope::default()).unwrap();
}

#[test]
fn non_object_data_is_rejected() {
    let error = render(&html("x", "y"), &json!([1, 2]), false, &Envelope::default()).unwrap_err();
    assert_eq!(
        (error.part, error.kind),
        (TemplatePart::Data, RenderErrorKind::Data)
    );
}

#[test]
fn runaway_loops_are_stopped_by_fuel() {
    let source = html(
        "x",
        "{% for a in range(10000) %}{% for b in range(10000) %}.{% endfor %}{% endfor %}",
    );
    let error = render(&source, &json!({}), false, &Envelope::default()).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::Template);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn no_input_makes_the_renderer_panic(subject in "\\PC{0,40}", body in "(\\{\\{|\\}\\}|\\{%|%\\}|<mj-[a-z]+>|</mjml>|<mjml>|[a-z ]|\\.|\\||\\(|\\)){0,60}", mjml in any::<bool>(), strict in any::<bool>()) {
        let source = TemplateSource { subject, format: if mjml { BodyFormat::Mjml } else { BodyFormat::Html }, body, text_body: None };
        let _ = render(&source, &json!({"a": 1}), strict, &Envelope::default());
        let _ = variables(&source);
    }
}

#[test]
fn preview_render_matches_the_complete_render_without_text_and_mime() {
    use patchbay_core::templates::render::render_preview;
    let source = html(
        "Hi {{ name }}",
        "<style>p{color:red}</style><p>Hello {{ name }}</p>",
    );
    let data = json!({"name": "Anna"});
    let full = render(&source, &data, true, &Envelope::default()).unwrap();
    let preview = render_preview(&source, &data, true).unwrap();
    assert!(full.complete && !preview.complete);
    assert_eq!(
        (preview.subject.as_str(), preview.html.as_str()),
        (full.subject.as_str(), full.html.as_str())
    );
    assert_eq!(preview.warnings, full.warnings);
    assert!(preview.eml.is_empty() && preview.text.is_empty() && preview.size_bytes == 0);
    assert!(!full.eml.is_empty() && full.text.contains("Hello Anna"));
}

/// The template list's search matches the name or the subject, ignoring case in any script, and counts
/// only what it shows; blank is no search.
#[test]
fn template_list_search_matches_name_or_subject_in_any_case() {
    use patchbay_core::secrets::{Credentials, MemoryBackend};
    use patchbay_core::store::Store;
    use patchbay_core::templates::store::{TemplateInput, TemplateQuery};
    use patchbay_core::Patchbay;

    let core = Patchbay::with_parts(
        Store::open_in_memory().unwrap(),
        Credentials::new(Box::new(MemoryBackend::default())),
    );
    for (name, subject) in [
        ("Заказ отправлен", "Ваш заказ {{ id }}"),
        ("Order shipped", "Your order {{ order.id }}"),
        ("Счёт", "Оплатите ЗАКАЗ до пятницы"),
        ("Welcome", "Hello {{ name }}"),
    ] {
        core.create_template(&TemplateInput {
            project_id: None,
            name: name.into(),
            subject: subject.into(),
            format: BodyFormat::Html,
            body: "<p>Hi</p>".into(),
            text_body: None,
            sample_data: None,
        })
        .unwrap();
    }
    let found = |search: &str| {
        let page = core
            .list_templates(&TemplateQuery {
                search: Some(search.into()),
                ..TemplateQuery::default()
            })
            .unwrap();
        assert_eq!(page.total as usize, page.items.len());
        page.items.into_iter().map(|t| t.name).collect::<Vec<_>>()
    };
    // Sorted by name (the default): the subject's match counts too.
    assert_eq!(found("заказ"), ["Заказ отправлен", "Счёт"]);
    assert_eq!(found("ЗАКАЗ"), ["Заказ отправлен", "Счёт"]);
    assert_eq!(found("ORDER"), ["Order shipped"]);
    assert_eq!(
        found("  "),
        ["Order shipped", "Welcome", "Заказ отправлен", "Счёт"]
    );
    assert!(found("invoice").is_empty());
}
