//! Criterion benches: the structural check and a full cursor walk over the
//! committed fixtures (big generated files are measured by compare.sh).

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use etcdsnap_bbolt::{check, stats, Db};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("bbolt");
    for name in ["etcd/etcd-3.5.1.snapshot.db", "bolt/nested-4096.db"] {
        let data = fixture(name);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("check/{name}"), |b| b.iter(|| check::check(&data)));
        g.bench_function(format!("stats/{name}"), |b| {
            b.iter(|| {
                let db = Db::open(&data).unwrap();
                stats::aggregate(&db, b"").unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(all, benches);
criterion_main!(all);
