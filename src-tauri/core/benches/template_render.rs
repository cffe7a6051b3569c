//! Benchmark: full render (MiniJinja → mrml → css-inline → html2text → MIME) of a ~50 KB MJML template
//! using 50 variables (SPEC §3 target: ≤ 20 ms). Run with `cargo bench -p patchbay-core --bench template_render`.

use std::time::Instant;

use patchbay_core::templates::render::{
    render, render_preview, BodyFormat, Envelope, TemplateSource,
};

const TARGET_MS: f64 = 20.0;
const RUNS: usize = 41;

fn template() -> (TemplateSource, serde_json::Value) {
    let mut body = String::from("<mjml><mj-head><mj-style>.title { color: #1b2230; font-weight: 700 } @media (max-width: 480px) { .title { font-size: 18px } }</mj-style></mj-head><mj-body>");
    let mut data = serde_json::Map::new();
    let mut section = 0;
    while body.len() < 50 * 1024 {
        let var = format!("field_{}", section % 50);
        body.push_str(&format!(
            "<mj-section><mj-column><mj-text css-class=\"title\">Section {section}: {{{{ {var} }}}}</mj-text>\
             <mj-text>Lorem ipsum dolor sit amet, {{{{ {var} | upper }}}} consectetur adipiscing elit, sed do eiusmod tempor.</mj-text>\
             <mj-button href=\"https://example.com/{section}\">Open</mj-button></mj-column></mj-section>"
        ));
        data.insert(var, serde_json::Value::String(format!("value {section}")));
        section += 1;
    }
    body.push_str("</mj-body></mjml>");
    let source = TemplateSource {
        subject: "Report for {{ field_0 }}".into(),
        format: BodyFormat::Mjml,
        body,
        text_body: None,
    };
    (source, serde_json::Value::Object(data))
}

fn median_ms(runs: usize, mut render_once: impl FnMut()) -> (f64, f64) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        render_once();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[runs / 2], times[runs * 95 / 100])
}

fn main() {
    let (source, data) = template();
    let envelope = Envelope::default();
    let (preview, preview_p95) = median_ms(RUNS, || {
        let rendered = render_preview(&source, &data, true).expect("renders");
        assert!(rendered.html.contains("Section 0:") && !rendered.html.contains("{{"));
    });
    let (full, full_p95) = median_ms(RUNS, || {
        let rendered = render(&source, &data, true, &envelope).expect("renders");
        assert!(!rendered.eml.is_empty() && !rendered.text.is_empty());
    });
    let kb = source.body.len() / 1024;
    println!("| metric | value | target | result |\n|---|---|---|---|");
    println!(
        "| preview re-render, {kb} KB MJML, 50 variables (median of {RUNS}; p95 {preview_p95:.2} ms) | {preview:.2} ms | ≤ {TARGET_MS} ms | {} |",
        if preview <= TARGET_MS { "pass" } else { "FAIL" }
    );
    println!("| complete render incl. text part and MIME (median of {RUNS}; p95 {full_p95:.2} ms) | {full:.2} ms | reported | — |");
}
