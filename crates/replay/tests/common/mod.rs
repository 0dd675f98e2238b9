//! Shared helpers for the replay tests: the etcd 3.5.1 small snapshot,
//! committed entries after its consistent index, and reading the buckets
//! back after a rewrite.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use etcdsnap_bbolt::rewrite::Edits;
use etcdsnap_bbolt::Db;
use etcdsnap_wal::etcdserverpb::InternalRaftRequest;
use etcdsnap_wal::proto::{Entry, HardState};
use etcdsnap_wal::reader::Wal;
use prost::Message;

/// testdata/etcd/etcd-3.5.1.small.snapshot.db: keys /small/k1..k5 at
/// revisions 2..6, one member.
pub const SMALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/etcd/etcd-3.5.1.small.snapshot.db"
);

/// Every bucket's entries, by bucket name.
pub type Buckets = BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, Vec<u8>>>;

/// A conf change entry's payload is marked by this prefix in the tests'
/// payload lists (never the start of a request the tests write).
pub const CONF: &[u8] = b"conf:";

/// The payloads of `reqs`; a request without a header gets an ID from
/// `first_id` on (etcd stops on a request with neither).
pub fn payloads(reqs: Vec<InternalRaftRequest>, first_id: u64) -> Vec<Vec<u8>> {
    reqs.into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            if r.header.is_none() && r.id == 0 {
                r.id = first_id + i as u64;
            }
            r.encode_to_vec()
        })
        .collect()
}

/// A WAL whose entries, in term 2, hold `data` right after `db`'s
/// consistent index, all committed; a payload starting with [`CONF`] is a
/// conf change entry.
pub fn entries_after(db: &Db<'_>, data: Vec<Vec<u8>>) -> Wal {
    let ci = etcdsnap_schema::meta::consistent_index(db).unwrap();
    let entries: Vec<Entry> = data
        .into_iter()
        .enumerate()
        .map(|(i, data)| {
            let (r#type, data) = match data.strip_prefix(CONF) {
                Some(cc) => (1, cc.to_vec()),
                None => (0, data),
            };
            Entry {
                r#type,
                term: 2,
                index: ci + 1 + i as u64,
                data,
            }
        })
        .collect();
    let commit = entries.last().map_or(ci, |e| e.index);
    Wal {
        entries,
        hard_state: Some(HardState {
            term: 2,
            vote: 0,
            commit,
        }),
        ..Wal::default()
    }
}

/// `db` rewritten with `edits`, in its page size.
pub fn rewritten(db: &Db<'_>, edits: &Edits) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let opts = etcdsnap_bbolt::writer::WriteOptions {
        page_size: db.page_size(),
        ..Default::default()
    };
    etcdsnap_bbolt::rewrite::rewrite(db, &mut out, opts, edits).unwrap();
    out.into_inner()
}

/// Every etcd bucket of `db` (empty where the db lacks it).
pub fn buckets(db: &Db<'_>) -> Buckets {
    let mut buckets = BTreeMap::new();
    for name in etcdsnap_schema::names::ETCD_BUCKETS {
        let mut m = BTreeMap::new();
        if let Some(b) = db.root_bucket().sub_bucket(db, name).unwrap() {
            for e in b.iter(db) {
                let e = e.unwrap();
                m.insert(e.key.to_vec(), e.value.to_vec());
            }
        }
        buckets.insert(name.to_vec(), m);
    }
    buckets
}
