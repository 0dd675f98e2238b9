//! The writer: every fixture copied compactly reads back identical and
//! passes this crate's checker and Go bbolt's `tx.Check()`; generated
//! databases (many keys, overflow values, the largest key, deep nesting,
//! many small buckets, other page sizes and fill factors) too; misuse is an
//! error, never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{Cursor, Read};
use std::path::PathBuf;

use etcdsnap_bbolt::writer::{compact, WriteError, WriteOptions, Writer};
use etcdsnap_bbolt::{check, Bucket, Db};
use etcdsnap_testsupport::rng::Rng;

/// Every entry of the database, recursively: path and key, then the value
/// or the sub-bucket's sequence.
fn walk(db: &Db<'_>) -> Vec<String> {
    fn rec(db: &Db<'_>, b: &Bucket<'_>, path: &str, out: &mut Vec<String>) {
        let mut it = b.iter(db);
        while let Some(e) = it.next() {
            let e = e.unwrap();
            let here = format!("{path}/{}", hexs(e.key));
            if e.is_bucket() {
                let page = it.current_page().unwrap();
                let sub = Bucket::from_value(db, page, e.value).unwrap();
                out.push(format!("{here} bucket seq={}", sub.sequence));
                rec(db, &sub, &here, out);
            } else {
                out.push(format!("{here} = {}", hexs(e.value)));
            }
        }
    }
    let mut out = Vec::new();
    rec(db, &db.root_bucket(), "", &mut out);
    out
}

fn hexs(b: &[u8]) -> String {
    if b.len() > 64 {
        // Long values: length and a cheap fingerprint.
        let sum: u64 = b
            .iter()
            .enumerate()
            .map(|(i, x)| (i as u64 + 1) * *x as u64)
            .sum();
        format!("<{} bytes, {sum:x}>", b.len())
    } else {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// Go bbolt's checkers, 1.3.6 and 1.4.3, looked up once per test binary
/// (a missing one is reported once, not for every file written).
fn bboltchecks() -> &'static [PathBuf] {
    static GO: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();
    GO.get_or_init(|| {
        [
            (
                "ETCDSNAP_BBOLTCHECK",
                "/opt/etcdsnap-oracles/bin/bboltcheck",
            ),
            (
                "ETCDSNAP_BBOLTCHECK14",
                "/opt/etcdsnap-oracles/bin/bboltcheck14",
            ),
        ]
        .into_iter()
        .filter_map(|(var, default)| etcdsnap_testsupport::oracles::find(var, default))
        .collect()
    })
}

/// Opens `bytes`, asserts etcdsnap's checker and Go's find nothing, returns
/// the walk.
fn verify_written(bytes: &[u8], what: &str) -> Vec<String> {
    let report = check::check(bytes);
    assert!(report.is_clean(), "{what}: {:?}", report.problems);
    for go in bboltchecks() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("w.db");
        std::fs::write(&f, bytes).unwrap();
        let o = std::process::Command::new(go).arg(&f).output().unwrap();
        assert!(
            o.status.success(),
            "{what}: Go tx.Check ({}): {}{}",
            go.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let db = Db::open(bytes).unwrap();
    assert_eq!(
        bytes.len() as u64,
        db.hwm().0 * db.page_size() as u64,
        "{what}: file length"
    );
    walk(&db)
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for name in [
        "bolt/empty.db",
        "bolt/keys-and-fill.db",
        "bolt/nested-4096.db",
        "bolt/nofreelistsync.db",
        "bolt/pagesize-16384.db",
        "bolt/pagesize-8192.db",
        "bolt/writeto.db",
        "etcd/etcd-3.5.1.snapshot.db",
        "etcd/etcd-3.4.23.snapshot.db",
        "etcd/etcd-3.5.1.small.snapshot.db",
    ] {
        v.push((name.to_string(), common::fixture(name)));
    }
    let gz = common::fixture("bolt/big-freelist.db.gz");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut raw)
        .unwrap();
    v.push(("bolt/big-freelist.db".into(), raw));
    v
}

#[test]
fn fixtures_round_trip() {
    for (name, bytes) in fixtures() {
        let src = Db::open(&bytes).unwrap();
        let before = walk(&src);
        let opts = WriteOptions {
            page_size: src.page_size(),
            ..WriteOptions::default()
        };
        let mut out = Cursor::new(Vec::new());
        let s = compact(&src, &mut out, opts).unwrap();
        let written = out.into_inner();
        assert_eq!(s.file_size, written.len() as u64);
        let after = verify_written(&written, &name);
        assert_eq!(before, after, "{name}: contents");
        assert!(
            written.len() <= bytes.len(),
            "{name}: {} > {}",
            written.len(),
            bytes.len()
        );
        // A copy of the copy is the same file: the layout is deterministic.
        let again_src = Db::open(&written).unwrap();
        let mut again = Cursor::new(Vec::new());
        compact(&again_src, &mut again, opts).unwrap();
        assert!(again.into_inner() == written, "{name}: second copy differs");
    }
}

fn build(opts: WriteOptions, f: impl FnOnce(&mut Writer<&mut Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut w = Writer::new(&mut out, opts).unwrap();
    f(&mut w);
    w.finish().unwrap();
    out.into_inner()
}

#[test]
fn generated_databases() {
    for (page_size, fill) in [(4096, 1.0), (4096, 0.5), (16384, 0.9), (512, 1.0)] {
        let opts = WriteOptions {
            page_size,
            fill_percent: fill,
            txid: 7,
        };
        let what = format!("page {page_size} fill {fill}");
        let mut expect = Vec::new();
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
        let bytes = build(opts, |w| {
            // Many small keys: several branch levels.
            w.begin_bucket(b"a-many", 3).unwrap();
            for i in 0..200_000u32 {
                w.put(format!("k{i:08}").as_bytes(), &i.to_be_bytes())
                    .unwrap();
            }
            w.end_bucket().unwrap();
            // Empty values, big values (overflow pages), the largest key.
            w.begin_bucket(b"b-sizes", 0).unwrap();
            w.put(b"a-empty", b"").unwrap();
            let v10k = rng.bytes(10_000);
            w.put(b"b-10k", &v10k).unwrap();
            let v3m = rng.bytes(3_000_000);
            w.put(b"c-3m", &v3m).unwrap();
            let mut big_key = vec![b'd'; 32768];
            big_key[1] = b'k';
            w.put(&big_key, b"largest key").unwrap();
            w.end_bucket().unwrap();
            // Deep nesting, each level with a key, the innermost empty.
            for d in 0..20u8 {
                w.begin_bucket(&[b'c', d], u64::from(d)).unwrap();
                w.put(b"\x00here", &[d]).unwrap();
            }
            for _ in 0..20 {
                w.end_bucket().unwrap();
            }
            // Many small buckets (inline) and one empty bucket.
            w.begin_bucket(b"d-small", 0).unwrap();
            for i in 0..500u32 {
                w.begin_bucket(format!("b{i:04}").as_bytes(), u64::from(i))
                    .unwrap();
                w.put(b"x", format!("{i}").as_bytes()).unwrap();
                w.end_bucket().unwrap();
            }
            w.begin_bucket(b"c-empty", 0).unwrap();
            w.end_bucket().unwrap();
            w.end_bucket().unwrap();
            expect.push(v3m.len());
        });
        let entries = verify_written(&bytes, &what);
        let db = Db::open(&bytes).unwrap();
        let many = db.bucket(&[b"a-many"]).unwrap();
        assert_eq!(many.sequence, 3);
        assert!(!many.is_inline());
        let got = many.get(&db, b"k00123456").unwrap().unwrap();
        assert_eq!(got.value, 123_456u32.to_be_bytes());
        let sizes = db.bucket(&[b"b-sizes"]).unwrap();
        assert_eq!(
            sizes.get(&db, b"c-3m").unwrap().unwrap().value.len(),
            expect[0]
        );
        assert_eq!(sizes.get(&db, b"a-empty").unwrap().unwrap().value, b"");
        let deep: Vec<Vec<u8>> = (0..20u8).map(|d| vec![b'c', d]).collect();
        let path: Vec<&[u8]> = deep.iter().map(Vec::as_slice).collect();
        let inner = db.bucket(&path).unwrap();
        assert_eq!(inner.sequence, 19);
        assert!(inner.is_inline(), "a small leaf bucket is inline");
        assert_eq!(inner.get(&db, b"\x00here").unwrap().unwrap().value, [19]);
        let small = db.bucket(&[b"d-small", b"b0499"]).unwrap();
        assert!(small.is_inline());
        assert_eq!(small.sequence, 499);
        assert!(db.bucket(&[b"d-small", b"c-empty"]).unwrap().is_inline());
        // 200k keys + 4 sizes + 20 nested keys + 500 small keys.
        let keys = entries.iter().filter(|e| e.contains(" = ")).count();
        assert_eq!(keys, 200_000 + 4 + 20 + 500, "{what}");
    }
}

#[test]
fn an_empty_database() {
    let bytes = build(WriteOptions::default(), |_| {});
    assert!(verify_written(&bytes, "empty").is_empty());
    assert_eq!(
        bytes.len(),
        4 * 4096,
        "two metas, an empty root leaf, a freelist"
    );
}

#[test]
fn misuse_is_an_error() {
    let mut out = Cursor::new(Vec::new());
    let mut w = Writer::new(&mut out, WriteOptions::default()).unwrap();
    assert!(matches!(w.put(b"k", b"v"), Err(WriteError::Nesting(_))));
    assert!(matches!(w.end_bucket(), Err(WriteError::Nesting(_))));
    w.begin_bucket(b"b", 0).unwrap();
    w.put(b"b", b"1").unwrap();
    assert!(matches!(w.put(b"a", b"2"), Err(WriteError::Order { .. })));
    assert!(matches!(w.put(b"b", b"2"), Err(WriteError::Order { .. })));
    assert!(matches!(
        w.begin_bucket(b"b", 0),
        Err(WriteError::Order { .. })
    ));
    assert!(matches!(w.put(b"", b"2"), Err(WriteError::KeySize(0))));
    assert!(matches!(
        w.put(&vec![1u8; 32769], b"2"),
        Err(WriteError::KeySize(32769))
    ));
    w.end_bucket().unwrap();
    assert!(matches!(
        w.begin_bucket(b"a", 0),
        Err(WriteError::Order { .. })
    ));
    w.begin_bucket(b"c", 0).unwrap();
    assert!(matches!(w.finish(), Err(WriteError::Nesting(_))));
    for ps in [0, 100, 3000, 1 << 25] {
        let opts = WriteOptions {
            page_size: ps,
            ..WriteOptions::default()
        };
        assert!(matches!(
            Writer::new(Cursor::new(Vec::new()), opts),
            Err(WriteError::Options(_))
        ));
    }
}
