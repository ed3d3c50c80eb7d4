//! Criterion benchmarks of the parser and the whole analysis, on real expositions from the
//! corpus: `cargo bench --bench parse`. End-to-end numbers against promtool and `cat` come
//! from `benches/compare.sh`; see docs/performance.md.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use promtune::analysis::{analyse, Scrape};
use promtune::config;
use promtune::detect::{retention, TimeSource};
use promtune::model::{Keep, MetricType};
use promtune::parse::{parse_bytes, ParseOptions};

const INPUTS: [&str; 3] = [
    "corpus/kubernetes-apiserver/datadog-kube-apiserver-1.28.0.txt",
    "corpus/ruby-gitlab/datadog-gitlab-rails-metrics.txt",
    "corpus/prometheus-server/prometheus-v3-demo-alltypes.237mfs.prom",
];

fn input(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn bench(c: &mut Criterion) {
    let cfg = config::load(None, None, None).expect("default config");
    let keep = retention(&cfg.traffic);
    let nothing = |_: &str, _: MetricType| Keep::Nothing;
    for rel in INPUTS {
        let bytes = input(rel);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("check (parse, keep nothing)", |b| {
            b.iter(|| {
                parse_bytes(
                    black_box(&bytes),
                    &ParseOptions {
                        retain: Some(&nothing),
                        ..ParseOptions::default()
                    },
                )
                .unwrap()
            })
        });
        g.bench_function("analyze (parse, retain, detect)", |b| {
            b.iter(|| {
                let parsed = parse_bytes(
                    black_box(&bytes),
                    &ParseOptions {
                        retain: Some(&keep),
                        ..ParseOptions::default()
                    },
                )
                .unwrap();
                let later = Scrape {
                    parsed: &parsed,
                    time: Some(TimeSource::observed(1_800_000_000.0, "bench")),
                };
                analyse(name.to_string(), &later, None, &cfg).map(|a| a.report)
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
