//! Benchmark (SPEC §3, issue 9): one sorted, filtered page of 100,000 integrations from the store, through
//! `Patchbay::list_integrations` (the same call the Integrations page and `patchbay integration list`
//! make). Every sort key both ways, with and without a provider filter and a search, pages 1 and 500.
//! Target p95 ≤ 5 ms. Run with `cargo bench -p patchbay-core --bench page_query`.

use std::time::Instant;

use patchbay_core::integrations::SortKey;
use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::{IntegrationQuery, NewIntegration, Patchbay};

const INTEGRATIONS: usize = 100_000;
const TARGET_P95_MS: f64 = 5.0;

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let core = Patchbay::with_parts(
        Store::open(dir.path()).expect("store"),
        Credentials::new(Box::new(MemoryBackend::default())),
    );
    let started = Instant::now();
    for index in 0..INTEGRATIONS {
        let (provider, key, value) = match index % 3 {
            0 | 2 => (
                "http",
                "url",
                format!("https://shop{index}.example.com/health"),
            ),
            _ => ("n8n", "base_url", format!("https://n8n{index}.example.com")),
        };
        core.create_integration(NewIntegration {
            project_id: None,
            provider: provider.into(),
            name: format!("Client {index:06}"),
            active: Some(index % 7 != 0),
            check_interval_s: None,
            config: [(key.to_owned(), value)].into(),
            secrets: Default::default(),
        })
        .expect("create");
    }
    eprintln!(
        "seeded {INTEGRATIONS} integrations in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut samples = Vec::new();
    let mut by_case: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for sort in [
        SortKey::Name,
        SortKey::Status,
        SortKey::Provider,
        SortKey::Updated,
        SortKey::LastChecked,
    ] {
        for desc in [false, true] {
            for (provider, search) in [
                (None, None),
                (Some("n8n"), None),
                (None, Some("client 0421")),
            ] {
                for page in [1, 500] {
                    let query = IntegrationQuery {
                        page,
                        per_page: 25,
                        sort,
                        desc,
                        provider: provider.map(str::to_owned),
                        search: search.map(str::to_owned),
                        ..IntegrationQuery::default()
                    };
                    for _ in 0..5 {
                        let started = Instant::now();
                        let page = core.list_integrations(&query).expect("list");
                        let ms = started.elapsed().as_secs_f64() * 1000.0;
                        samples.push(ms);
                        let case = match (search.is_some(), provider.is_some(), query.page) {
                            (true, _, _) => "search (trigram index)",
                            (false, true, 1) => "provider filter, page 1",
                            (false, true, _) => "provider filter, page 500",
                            (false, false, 1) => "no filter, page 1",
                            (false, false, _) => "no filter, page 500",
                        };
                        by_case.entry(case).or_default().push(ms);
                        assert!(page.total > 0);
                    }
                }
            }
        }
    }
    // A one- or two-character search scans every row (the trigram index needs three); reported, not in the
    // p95 above — what a user meets while typing the first characters of a term.
    for desc in [false, true] {
        let query = IntegrationQuery {
            per_page: 25,
            desc,
            search: Some("Cl".to_owned()),
            ..IntegrationQuery::default()
        };
        for _ in 0..5 {
            let started = Instant::now();
            let page = core.list_integrations(&query).expect("list");
            by_case
                .entry("search of 2 characters (scan; not in the p95)")
                .or_default()
                .push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(page.total > 0);
        }
    }
    for (case, mut times) in by_case {
        times.sort_by(f64::total_cmp);
        println!(
            "| {case} | median {:.2} ms, max {:.2} ms | | |",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let p95 = at(0.95);
    println!("| metric | value | target | result |\n|---|---|---|---|");
    println!(
        "| one page of 25 from {INTEGRATIONS} integrations, every sort both ways, filters, pages 1 and 500 ({} queries) | median {:.2} ms, p95 {:.2} ms, max {:.2} ms | p95 ≤ {TARGET_P95_MS} ms | {} |",
        samples.len(),
        at(0.5),
        p95,
        at(1.0),
        if p95 <= TARGET_P95_MS { "pass" } else { "FAIL" }
    );
}
