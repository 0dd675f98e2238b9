//! What etcd reads from a db when it starts: the latest revision, the
//! compact revision and the consistent index, each read once, here.

use etcdsnap_bbolt::scan::last_key;
use etcdsnap_bbolt::{Bucket, Db};

use crate::{names, Error, Revision};

/// The `key` bucket, or None for a database without one.
pub fn key_bucket<'a>(db: &Db<'a>) -> Result<Option<Bucket<'a>>, Error> {
    Ok(db.root_bucket().sub_bucket(db, names::KEY)?)
}

/// The newest revision in the `key` bucket, None when it is empty or
/// missing; its last key must be a revision key.
pub fn latest_revision(db: &Db<'_>) -> Result<Option<Revision>, Error> {
    let Some(kb) = key_bucket(db)? else {
        return Ok(None);
    };
    match last_key(db, &kb)? {
        Some(k) => match Revision::decode(k) {
            Some((r, _)) => Ok(Some(r)),
            None => Err(Error::bad_revision_key(db, k)),
        },
        None => Ok(None),
    }
}

/// The current revision etcd starts with: the newest revision in the `key`
/// bucket, at least 1 and never below the compact revision `compact`.
pub fn head_revision(db: &Db<'_>, compact: i64) -> Result<i64, Error> {
    let head = latest_revision(db)?.map_or(0, |r| r.main);
    Ok(head.max(1).max(compact))
}

/// The compact revision etcd starts with: `finishedCompactRev`, or a later
/// `scheduledCompactRev` (etcd resumes that compaction at start-up), else -1.
pub fn compact_revision(db: &Db<'_>) -> Result<i64, Error> {
    let Some(meta) = db.root_bucket().sub_bucket(db, names::META)? else {
        return Ok(-1);
    };
    let read = |name: &[u8]| -> Result<Option<i64>, Error> {
        Ok(meta.get(db, name)?.and_then(|e| Revision::main_of(e.value)))
    };
    let finished = read(names::FINISHED_COMPACT_REV)?.unwrap_or(-1);
    // etcd resumes a scheduled compaction only when it is non-zero and
    // after the finished one.
    Ok(match read(names::SCHEDULED_COMPACT_REV)? {
        Some(s) if s != 0 && s > finished => s,
        _ => finished,
    })
}

/// A `meta` u64 as etcd reads it (`binary.BigEndian.Uint64`: the first
/// eight bytes); None when the bucket or key is missing or shorter.
pub fn meta_u64(db: &Db<'_>, key: &[u8]) -> Result<Option<u64>, Error> {
    let Some(meta) = db.root_bucket().sub_bucket(db, names::META)? else {
        return Ok(None);
    };
    Ok(meta
        .get(db, key)?
        .and_then(|e| e.value.first_chunk::<8>().map(|b| u64::from_be_bytes(*b))))
}

/// `meta/consistent_index`, 0 when absent (a db etcd never applied to).
pub fn consistent_index(db: &Db<'_>) -> Result<u64, Error> {
    Ok(meta_u64(db, names::CONSISTENT_INDEX)?.unwrap_or(0))
}
