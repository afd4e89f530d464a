//! In-process phase benchmarks on the reference workload (`benches/gen-spec`): parse, check
//! (which parses too), building the Kubernetes objects, serialising them to YAML, and the whole
//! emit phase for `--target k8s,istio` and for every target, at N = 10, 100, 1,000 and 10,000
//! services. The whole-process numbers (read, write, peak memory) come from `benches/run.sh`;
//! docs/performance.md explains both.
//!
//! Specs are generated once into `target/bench/specs/<N>` by the Python generator, so this
//! benchmark and the whole-process one read exactly the same files.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use slipway::emit::{self, k8s, yaml, Options, Target};
use slipway::{Model, SourceFile};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

// The allocator of the `slipway` binary, so these numbers are those of the real process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The spec with `services` services, generated on first use.
fn spec(services: usize) -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench/specs").join(services.to_string());
    if !dir.join("app.slip").exists() {
        let status = Command::new("python3")
            .arg(root.join("benches/gen-spec"))
            .arg(services.to_string())
            .arg(&dir)
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "benches/gen-spec {services} failed"
        );
    }
    let mut paths = Vec::new();
    collect(&dir, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| SourceFile {
            name: path
                .strip_prefix(&dir)
                .unwrap_or(&path)
                .display()
                .to_string(),
            text: std::fs::read_to_string(&path).unwrap_or_default(),
        })
        .collect()
}

fn collect(dir: &Path, paths: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, paths);
        } else if path.extension().is_some_and(|e| e == "slip") {
            paths.push(path);
        }
    }
}

fn checked_model(files: &[SourceFile]) -> Model {
    let checked = slipway::check(files);
    assert!(
        !checked.has_errors(),
        "the benchmark spec must check cleanly"
    );
    checked.model
}

fn options(targets: &[Target]) -> Options {
    let mut options = Options::all("bench");
    options.targets = targets.iter().copied().collect();
    options
}

/// Every Kubernetes object of every environment, grouped by file.
fn k8s_objects(model: &Model) -> Vec<Vec<k8s::Object>> {
    let options = options(&[Target::K8s]);
    emit::environments(model, &options)
        .flat_map(|environment| k8s::environment_files(model, environment, 1))
        .map(|(_, objects)| objects)
        .collect()
}

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    services: usize,
) {
    group.throughput(Throughput::Elements(services as u64));
    if services >= 10_000 {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(20));
    } else {
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(5));
    }
}

fn phases(c: &mut Criterion) {
    for services in SIZES {
        let files = spec(services);
        let model = checked_model(&files);
        let objects = k8s_objects(&model);
        let id = BenchmarkId::from_parameter(services);

        let mut group = c.benchmark_group("parse");
        configure(&mut group, services);
        group.bench_with_input(id.clone(), &files, |b, files| {
            b.iter(|| {
                let mut diagnostics = Vec::new();
                black_box(slipway::parse_all(files, &mut diagnostics))
            })
        });
        group.finish();

        let mut group = c.benchmark_group("check (parse included)");
        configure(&mut group, services);
        group.bench_with_input(id.clone(), &files, |b, files| {
            b.iter(|| black_box(slipway::check(files)))
        });
        group.finish();

        let mut group = c.benchmark_group("k8s objects");
        configure(&mut group, services);
        group.bench_with_input(id.clone(), &model, |b, model| {
            b.iter(|| black_box(k8s_objects(model)))
        });
        group.finish();

        let mut group = c.benchmark_group("serialise k8s objects");
        configure(&mut group, services);
        group.bench_with_input(id.clone(), &objects, |b, objects| {
            b.iter(|| {
                let bytes: usize = objects.iter().map(|file| yaml::documents(file).len()).sum();
                black_box(bytes)
            })
        });
        group.finish();

        let mut group = c.benchmark_group("emit k8s,istio");
        configure(&mut group, services);
        let comparable = options(&[Target::K8s, Target::Istio]);
        group.bench_with_input(id.clone(), &model, |b, model| {
            b.iter(|| black_box(emit::emit(model, &comparable)))
        });
        group.finish();

        let mut group = c.benchmark_group("emit all targets");
        configure(&mut group, services);
        let all = Options::all("bench");
        group.bench_with_input(id, &model, |b, model| {
            b.iter(|| black_box(emit::emit(model, &all)))
        });
        group.finish();
    }
}

criterion_group!(benches, phases);
criterion_main!(benches);
