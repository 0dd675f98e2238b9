//! Criterion benches: WAL replay over a small real snapshot
//! (testdata/etcd/etcd-3.5.1.small.snapshot.db) of WALs built in memory:
//!
//! - `leases/N`: N leases granted, one leased put each, then every lease
//!   revoked (3N entries); each revoke finds its key through the lease
//!   index, so the time grows linearly with N.
//! - `leases-auth/N`: auth enabled, a user allowed one prefix puts N keys
//!   spread over 100 leases, then revokes them; every put and revoke is
//!   checked against the keys already attached to its lease, which is
//!   remembered between checks.
//!
//! The segments are written with `etcdsnap_wal::writer` and read back with
//! the reader, outside the measured loop.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use etcdsnap_bbolt::Db;
use etcdsnap_wal::etcdserverpb::{
    InternalRaftRequest, LeaseGrantRequest, LeaseRevokeRequest, PutRequest, RequestHeader,
};
use etcdsnap_wal::proto::{Entry, HardState, Metadata, WalSnapshot};
use etcdsnap_wal::reader::Wal;
use prost::Message;

fn small_snapshot() -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/etcd/etcd-3.5.1.small.snapshot.db");
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A WAL segment holding `reqs` as the entries after `ci`, all committed,
/// read back as the reader reads a data dir. A request without a header
/// gets one with an ID, as etcd writes them.
fn wal(ci: u64, reqs: &[InternalRaftRequest]) -> Wal {
    let entries: Vec<Entry> = reqs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            let index = ci + 1 + i as u64;
            r.header.get_or_insert(RequestHeader {
                id: index,
                ..Default::default()
            });
            Entry {
                r#type: 0,
                term: 2,
                index,
                data: r.encode_to_vec(),
            }
        })
        .collect();
    let hs = HardState {
        term: 2,
        vote: 1,
        commit: ci + reqs.len() as u64,
    };
    let enc = etcdsnap_wal::writer::restore_segment(
        &Metadata {
            node_id: 1,
            cluster_id: 1,
        },
        &entries,
        &hs,
        &WalSnapshot::default(),
    );
    let wal = etcdsnap_wal::reader::read_bytes(enc.bytes(), "bench.wal");
    assert!(wal.damage.is_none());
    wal
}

fn grant(id: i64) -> InternalRaftRequest {
    InternalRaftRequest {
        lease_grant: Some(LeaseGrantRequest { ttl: 600, id }),
        ..Default::default()
    }
}

fn leased_put(key: String, lease: i64) -> InternalRaftRequest {
    InternalRaftRequest {
        put: Some(PutRequest {
            key: key.into_bytes(),
            value: b"value".to_vec(),
            lease,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn revoke(id: i64) -> InternalRaftRequest {
    InternalRaftRequest {
        lease_revoke: Some(LeaseRevokeRequest { id }),
        ..Default::default()
    }
}

/// N leases, one leased put each, every lease revoked.
fn leases(n: i64) -> Vec<InternalRaftRequest> {
    let mut v: Vec<InternalRaftRequest> = (1..=n).map(grant).collect();
    v.extend((1..=n).map(|i| leased_put(format!("/bench/k{i:06}"), i)));
    v.extend((1..=n).map(revoke));
    v
}

/// Auth on; user `bench` (allowed /bench/) puts N keys over 100 leases,
/// then revokes the leases.
fn leases_auth(n: i64, auth_revision: u64) -> Vec<InternalRaftRequest> {
    let mut v = etcdsnap_testsupport::requests::auth_with_user_limited_to("bench", "/bench/");
    // Six auth changes above, each bumping the auth revision.
    let header = Some(RequestHeader {
        id: 1,
        username: b"bench".to_vec(),
        auth_revision: auth_revision + 6,
    });
    let leases = 100;
    v.extend((1..=leases).map(grant));
    v.extend((1..=n).map(|i| InternalRaftRequest {
        header: header.clone(),
        ..leased_put(format!("/bench/k{i:06}"), 1 + i % leases)
    }));
    v.extend((1..=leases).map(|id| InternalRaftRequest {
        header: header.clone(),
        ..revoke(id)
    }));
    v
}

fn benches(c: &mut Criterion) {
    let data = small_snapshot();
    let db = Db::open(&data).unwrap();
    let ci = etcdsnap_schema::meta::consistent_index(&db).unwrap();
    let auth_revision = db
        .root_bucket()
        .sub_bucket(&db, b"auth")
        .unwrap()
        .and_then(|b| b.get(&db, b"authRevision").unwrap())
        .map_or(0, |e| u64::from_be_bytes(e.value.try_into().unwrap()));
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    for n in [25_000, 50_000] {
        let w = wal(ci, &leases(n));
        g.throughput(Throughput::Elements(w.entries.len() as u64));
        g.bench_with_input(BenchmarkId::new("leases", n), &w, |b, w| {
            b.iter(|| {
                let (edits, summary) = etcdsnap_replay::replay(&db, w, ci).unwrap().unwrap();
                assert_eq!(summary.revisions.1 - summary.revisions.0, 2 * n);
                edits
            })
        });
        let w = wal(ci, &leases_auth(n, auth_revision));
        g.throughput(Throughput::Elements(w.entries.len() as u64));
        g.bench_with_input(BenchmarkId::new("leases-auth", n), &w, |b, w| {
            b.iter(|| {
                let (edits, summary) = etcdsnap_replay::replay(&db, w, ci).unwrap().unwrap();
                assert_eq!(summary.revisions.1 - summary.revisions.0, n + 100);
                edits
            })
        });
    }
    g.finish();
}

criterion_group!(all, benches);
criterion_main!(all);
