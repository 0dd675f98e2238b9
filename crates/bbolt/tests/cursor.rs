//! Cursors over real Go-bbolt files: iteration order, seek and get agree
//! with each other on every bucket, nested and inline ones included, at
//! every page size.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::fixture;
use etcdsnap_bbolt::{Bucket, Db, PageId};

/// Walks every bucket below `b`, checking it; returns the number of keys seen.
fn check_bucket(db: &Db<'_>, b: &Bucket<'_>, depth: usize) -> usize {
    assert!(depth < 16);
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut n = 0;
    let mut it = b.iter(db);
    while let Some(e) = it.next() {
        let e = e.unwrap();
        keys.push(e.key.to_vec());
        n += 1;
        if e.is_bucket() {
            let child =
                Bucket::from_value(db, it.current_page().unwrap_or(PageId(0)), e.value).unwrap();
            n += check_bucket(db, &child, depth + 1);
        }
    }
    // Strictly ascending.
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "keys out of order");
    for (i, k) in keys.iter().enumerate() {
        // Exact seek and get find the key.
        let mut c = b.cursor(db);
        assert_eq!(c.seek(k).unwrap().map(|e| e.key.to_vec()), Some(k.clone()));
        assert_eq!(
            b.get(db, k).unwrap().map(|e| e.key.to_vec()),
            Some(k.clone())
        );
        // Seeking just past it lands on the next key (or the end).
        let mut past = k.clone();
        past.push(0);
        let next = b.cursor(db).seek(&past).unwrap().map(|e| e.key.to_vec());
        assert_eq!(next, keys.get(i + 1).cloned(), "seek past key {i}");
        // A missing key is not found.
        assert_eq!(b.get(db, &past).unwrap().is_some(), keys.contains(&past));
    }
    // first() is the smallest key; seek of an empty key too.
    let first = b.cursor(db).first().unwrap().map(|e| e.key.to_vec());
    assert_eq!(first, keys.first().cloned());
    assert_eq!(
        b.cursor(db).seek(b"").unwrap().map(|e| e.key.to_vec()),
        keys.first().cloned()
    );
    n
}

#[test]
fn cursors_agree_on_every_bucket_of_every_go_fixture() {
    for name in [
        "bolt/nested-4096.db",
        "bolt/pagesize-8192.db",
        "bolt/pagesize-16384.db",
        "bolt/keys-and-fill.db",
        "bolt/nofreelistsync.db",
        "bolt/writeto.db",
        "etcd/etcd-3.5.1.snapshot.db",
        "etcd/etcd-3.4.23.snapshot.db",
    ] {
        let bytes = fixture(name);
        let db = Db::open(&bytes).unwrap();
        let n = check_bucket(&db, &db.root_bucket(), 0);
        assert!(n > 0, "{name}: no keys");
    }
}

#[test]
fn nested_paths_and_inline_buckets_resolve() {
    let bytes = fixture("bolt/nested-4096.db");
    let db = Db::open(&bytes).unwrap();
    // Every nested bucket reached by iteration can be opened by path.
    let mut stack: Vec<(Vec<Vec<u8>>, Bucket<'_>)> = vec![(vec![], db.root_bucket())];
    let (mut inline, mut paged) = (0, 0);
    while let Some((path, b)) = stack.pop() {
        for e in b.iter(&db) {
            let e = e.unwrap();
            if !e.is_bucket() {
                continue;
            }
            let mut p = path.clone();
            p.push(e.key.to_vec());
            let refs: Vec<&[u8]> = p.iter().map(|x| x.as_slice()).collect();
            let by_path = db.bucket(&refs).unwrap();
            assert_eq!(
                by_path.is_inline(),
                Bucket::from_value(&db, PageId(0), e.value)
                    .unwrap()
                    .is_inline()
            );
            if by_path.is_inline() {
                inline += 1;
            } else {
                paged += 1;
            }
            stack.push((p, by_path));
        }
    }
    assert!(inline > 0 && paged > 0, "inline {inline}, paged {paged}");
    assert!(db.bucket(&[b"no such bucket"]).is_err());
}
