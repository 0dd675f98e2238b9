//! The HashKV hash of etcd's maintenance API, computed offline, as each
//! etcd release computes it from the file (checked against live etcd
//! 3.5.1, and against etcd 3.5.30 and 3.5.16 restarted on the file).
//!
//! etcd hashes, with CRC-32C seeded by the bucket name `key`, the key and
//! value of every `key`-bucket entry whose main revision is at most the
//! requested revision, leaving out, among revisions at or below the compact
//! revision, those a compaction at the requested revision would not keep
//! (when it keeps any at all). etcd asks its in-memory key index (per key,
//! generations of revisions each ended by a tombstone) which revisions a
//! compaction would keep; that is, per key, the newest revision at or
//! before the hashed revision unless it is a tombstone, which is what is
//! computed here, with 64-bit key fingerprints to bound memory.

use std::collections::HashMap;

use etcdsnap_bbolt::{Bucket, Db};
use serde::Serialize;

use crate::crc::CrcPart;
use crate::Error;
use etcdsnap_bbolt::scan::fold_entries;
use etcdsnap_schema::EtcdVersion;
use etcdsnap_schema::Revision;

/// What `hashkv` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HashKv {
    /// CRC-32C.
    pub hash: u32,
    /// The revision hashed (the head when 0 was asked).
    pub hash_revision: i64,
    /// The compact revision, -1 when never compacted.
    pub compact_revision: i64,
}

use etcdsnap_schema::meta::key_bucket;
pub use etcdsnap_schema::meta::{compact_revision, head_revision};

/// Computes HashKV at `rev` (0 = head) as etcd 3.5.1 does, with its
/// errors for revisions at or below the compact revision or above the head.
pub fn hashkv(db: &Db<'_>, rev: i64) -> Result<HashKv, Error> {
    hashkv_as(db, rev, EtcdVersion::V3_5_1)
}

/// Computes HashKV at `rev` (0 = head) as the given release computes it
/// from the file: what a member restarted on this db answers (a running
/// member answers at a revision it compacted at from the hash it stored
/// while compacting, which the file alone cannot give).
///
/// The releases differ in two rules. The compact revision itself is
/// refused by etcd 3.4 before 3.4.27 and 3.5 before 3.5.10 (`rev <=
/// compactRev` in `HashByRev`), hashed since (`rev < compactRev` refuses;
/// etcd-io/etcd#14457, backported in #16047 and #16048). And since 3.4.34,
/// 3.5.16 and 3.6.0 `kvHasher.WriteKeyValue` leaves out a tombstone whose
/// main revision is the compact revision, which the compactor of those
/// releases keeps in the file (etcd-io/etcd#18274): earlier releases hash
/// such a tombstone when they find it, which is only where the key index
/// keeps nothing at all (`keep` never keeps a tombstone).
pub fn hashkv_as(db: &Db<'_>, rev: i64, version: EtcdVersion) -> Result<HashKv, Error> {
    let compact = compact_revision(db)?;
    let kb = key_bucket(db)?;
    let head = head_revision(db, compact)?;
    if rev > 0 && rev > head {
        return Err(etcdsnap_schema::Error::FutureRevision {
            requested: rev,
            head,
        }
        .into());
    }
    // etcd 3.4 before 3.4.27 and 3.5 before 3.5.10 refuse the compact
    // revision itself too; later releases only what is below it.
    let refused = if version.refuses_hash_at_compact_revision() {
        rev <= compact
    } else {
        rev < compact
    };
    if rev > 0 && refused {
        return Err(etcdsnap_schema::Error::Compacted {
            requested: rev,
            compacted: compact,
        }
        .into());
    }
    let at = if rev <= 0 { head } else { rev };
    let mut seed = CrcPart::default();
    seed.update(b"key");
    let Some(kb) = kb else {
        return Ok(HashKv {
            hash: seed.crc,
            hash_revision: at,
            compact_revision: compact,
        });
    };
    // etcd keeps, below the compact revision, only what its key index says
    // a compaction at the *hashed* revision keeps: for each key, its newest
    // revision at or before `at`, unless that is a tombstone (and nothing
    // is left out when no key keeps anything). Only needed when compacted.
    let keep = if compact >= 0 {
        Some(newest_at(db, &kb, at)?)
    } else {
        None
    };
    let keep_any = keep.as_ref().is_some_and(|k| k.any_live);
    let skip_tomb_at_compact = version.hash_skips_tombstone_at_compact_revision();
    let part = fold_entries(
        db,
        &kb,
        CrcPart::default,
        |s, e| {
            let Some((r, _)) = Revision::decode(e.key) else {
                return;
            };
            if r.main > at {
                return;
            }
            if skip_tomb_at_compact && r.main == compact && is_tombstone(e.key) {
                return;
            }
            if r.main <= compact && keep_any {
                let kept = keep.as_ref().is_some_and(|k| k.keeps(e, r));
                if !kept {
                    return;
                }
            }
            // Key and value are adjacent: one call.
            s.update(e.key_value);
        },
        CrcPart::then,
    )?;
    Ok(HashKv {
        hash: seed.then(part).crc,
        hash_revision: at,
        compact_revision: compact,
    })
}

/// Per user key (a 64-bit fingerprint, to keep memory small), its newest
/// revision at or before the hashed revision and whether that is a
/// tombstone.
struct Newest {
    hasher: std::collections::hash_map::RandomState,
    map: HashMap<u64, (Revision, bool)>,
    any_live: bool,
}

impl Newest {
    fn keeps(&self, e: &etcdsnap_bbolt::Entry<'_>, r: Revision) -> bool {
        let key = etcdsnap_schema::kv::key_of(e.value);
        let fp = std::hash::BuildHasher::hash_one(&self.hasher, key);
        matches!(self.map.get(&fp), Some((n, false)) if *n == r)
    }
}

fn newest_at(db: &Db<'_>, kb: &Bucket<'_>, at: i64) -> Result<Newest, Error> {
    let mut n = Newest {
        hasher: Default::default(),
        map: HashMap::new(),
        any_live: false,
    };
    for e in kb.iter(db) {
        let e = e?;
        let Some((r, tomb)) = Revision::decode(e.key) else {
            continue;
        };
        if r.main > at {
            break;
        }
        let key = etcdsnap_schema::kv::key_of(e.value);
        let fp = std::hash::BuildHasher::hash_one(&n.hasher, key);
        n.map.insert(fp, (r, tomb));
    }
    n.any_live = n.map.values().any(|(_, tomb)| !tomb);
    Ok(n)
}

/// Whether a `key`-bucket key marks a tombstone.
fn is_tombstone(key: &[u8]) -> bool {
    Revision::decode(key).is_some_and(|(_, t)| t)
}

/// Renders a result as `etcdutl hashkv` (3.6) prints it; the hash is
/// decimal in every format.
pub fn render(h: &HashKv, format: crate::status::Format) -> String {
    render_in(h, format, etcdsnap_schema::release::TableStyle::Ascii)
}

/// [`render`], a table drawn in `style` (etcdutl 3.7's is box-drawn).
pub fn render_in(
    h: &HashKv,
    format: crate::status::Format,
    style: etcdsnap_schema::release::TableStyle,
) -> String {
    use crate::status::Format;
    let row = [
        h.hash.to_string(),
        h.hash_revision.to_string(),
        h.compact_revision.to_string(),
    ];
    match format {
        Format::Simple => format!("{}\n", row.join(", ")),
        Format::Json => format!(
            "{{\"hash\":{},\"hashRevision\":{},\"compactRevision\":{}}}\n",
            h.hash, h.hash_revision, h.compact_revision
        ),
        Format::Table => {
            crate::status::table_in(style, &["HASH", "HASH REVISION", "COMPACT REVISION"], &row)
        }
        Format::Fields => format!(
            "\"Hash\" : {}\n\"Hash revision\" : {}\n\"Compact revision\" : {}\n",
            h.hash, h.hash_revision, h.compact_revision
        ),
    }
}
