//! The HashKV hash of etcd's maintenance API, computed offline, as etcd
//! 3.4 and 3.5 (checked against a live etcd 3.5.1) compute it.
//!
//! etcd hashes, with CRC-32C seeded by the bucket name `key`, the key and
//! value of every `key`-bucket entry whose main revision is at most the
//! requested revision, leaving out, among revisions at or below the compact
//! revision, those a compaction at the requested revision would not keep
//! (when it keeps any at all). The revisions a compaction keeps come from etcd's
//! in-memory key index, rebuilt here from the bucket the way etcd rebuilds
//! it at start-up: per key, generations of revisions, each ended by a
//! tombstone.

use std::collections::{HashMap, HashSet};

use etcdsnap_bbolt::{Bucket, Db};
use serde::Serialize;

use crate::revision::Revision;
use crate::scan::{fold_entries, CrcPart};
use crate::Error;

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

/// The `key` bucket, or None for a database without one.
fn key_bucket<'a>(db: &Db<'a>) -> Result<Option<Bucket<'a>>, Error> {
    Ok(db.root_bucket().sub_bucket(db, b"key")?)
}

/// The compact revision etcd starts with: `finishedCompactRev`, or a later
/// `scheduledCompactRev` (etcd resumes that compaction at start-up), else -1.
pub fn compact_revision(db: &Db<'_>) -> Result<i64, Error> {
    let Some(meta) = db.root_bucket().sub_bucket(db, b"meta")? else {
        return Ok(-1);
    };
    let read = |name: &[u8]| -> Result<Option<i64>, Error> {
        Ok(meta.get(db, name)?.and_then(|e| Revision::main_of(e.value)))
    };
    let finished = read(b"finishedCompactRev")?.unwrap_or(-1);
    // etcd resumes a scheduled compaction only when it is non-zero and
    // after the finished one.
    Ok(match read(b"scheduledCompactRev")? {
        Some(s) if s != 0 && s > finished => s,
        _ => finished,
    })
}

/// One key's index: generations of revisions (a tombstone ends one).
#[derive(Debug, Default)]
struct KeyIndex {
    generations: Vec<Vec<Revision>>,
}

impl KeyIndex {
    fn put(&mut self, rev: Revision) {
        if self.generations.is_empty() {
            self.generations.push(Vec::new());
        }
        if let Some(g) = self.generations.last_mut() {
            g.push(rev);
        }
    }

    fn tombstone(&mut self, rev: Revision) {
        let empty = self.generations.last().is_none_or(Vec::is_empty);
        if empty {
            // etcd refuses a tombstone on an empty generation; keep going.
            return;
        }
        self.put(rev);
        self.generations.push(Vec::new());
    }

    fn is_empty(&self) -> bool {
        self.generations.len() == 1 && self.generations.first().is_some_and(Vec::is_empty)
    }

    /// The revisions a compaction at `at` keeps (etcd's `keyIndex.keep`).
    fn keep(&self, at: i64, out: &mut HashSet<Revision>) {
        if self.is_empty() || self.generations.is_empty() {
            return;
        }
        // The first generation whose tombstone is after `at` (or the last).
        let last_gen = self.generations.len() - 1;
        let mut gi = 0;
        while gi < last_gen {
            let tomb = self
                .generations
                .get(gi)
                .and_then(|g| g.last())
                .map(|r| r.main);
            if tomb.is_some_and(|t| t > at) {
                break;
            }
            gi += 1;
        }
        let Some(g) = self.generations.get(gi) else {
            return;
        };
        // The newest revision at or below `at` in that generation.
        let Some(idx) = g.iter().rposition(|r| r.main <= at) else {
            return;
        };
        let Some(rev) = g.get(idx) else {
            return;
        };
        let is_tomb = idx + 1 == g.len() && gi != last_gen;
        if !is_tomb {
            out.insert(*rev);
        }
    }
}

/// Computes HashKV at `rev` (0 = head) with etcd's errors for revisions
/// at or below the compact revision or above the head.
pub fn hashkv(db: &Db<'_>, rev: i64) -> Result<HashKv, Error> {
    let compact = compact_revision(db)?;
    let kb = key_bucket(db)?;
    // Head revision and the key index, in one pass.
    let mut head = 0i64;
    let mut index: HashMap<&[u8], KeyIndex> = HashMap::new();
    if let Some(kb) = &kb {
        for (i, e) in kb.iter(db).enumerate() {
            let e = e?;
            let (r, tomb) = Revision::decode(e.key).ok_or(Error::BadRevisionKey {
                index: i as u64,
                len: e.key.len(),
            })?;
            head = head.max(r.main);
            let Some(user_key) = crate::mvcc::kv_key(e.value) else {
                continue;
            };
            let ki = index.entry(user_key).or_default();
            if tomb {
                ki.tombstone(r);
            } else {
                ki.put(r);
            }
        }
    }
    // etcd's current revision starts at 1 and is never below the compact
    // revision.
    let head = head.max(1).max(compact);
    if rev > 0 && rev > head {
        return Err(Error::FutureRevision {
            requested: rev,
            head,
        });
    }
    // etcd 3.4 and 3.5 refuse the compact revision itself too.
    if rev > 0 && rev <= compact {
        return Err(Error::Compacted {
            requested: rev,
            compacted: compact,
        });
    }
    let at = if rev <= 0 { head } else { rev };
    // etcd asks its key index what a compaction at the *hashed* revision
    // would keep, and applies that below the compact revision.
    let mut keep = HashSet::new();
    for ki in index.values() {
        ki.keep(at, &mut keep);
    }
    let mut seed = CrcPart::default();
    seed.update(b"key");
    let Some(kb) = kb else {
        return Ok(HashKv {
            hash: seed.crc,
            hash_revision: at,
            compact_revision: compact,
        });
    };
    let keep_any = !keep.is_empty();
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
            if r.main <= compact && keep_any && !keep.contains(&r) {
                return;
            }
            s.update(e.key);
            s.update(e.value);
        },
        CrcPart::then,
    )?;
    Ok(HashKv {
        hash: seed.then(part).crc,
        hash_revision: at,
        compact_revision: compact,
    })
}

/// Renders a result as `etcdutl hashkv` (3.6) prints it; the hash is
/// decimal in every format.
pub fn render(h: &HashKv, format: crate::status::Format) -> String {
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
        Format::Table => crate::status::table(&["HASH", "HASH REVISION", "COMPACT REVISION"], &row),
        Format::Fields => format!(
            "\"Hash\" : {}\n\"Hash revision\" : {}\n\"Compact revision\" : {}\n",
            h.hash, h.hash_revision, h.compact_revision
        ),
    }
}
