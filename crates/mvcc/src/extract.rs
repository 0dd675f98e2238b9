//! Reading keys out of a database as etcd serves them: a range (one key or
//! a prefix) at a revision, and the whole history of a key. Values are
//! borrowed from the mapped file; memory is one entry per distinct key in
//! the range.

use etcdsnap_schema::names;
use std::collections::HashMap;

use etcdsnap_bbolt::Db;
use serde::Serialize;

use etcdsnap_schema::meta::{compact_revision, head_revision};
use etcdsnap_schema::{Error, Revision};

pub use etcdsnap_schema::kv::{decode_kv, Kv};

/// Which keys: one key, or every key starting with a prefix.
#[derive(Debug, Clone)]
pub struct Selector {
    /// The key or prefix.
    pub key: Vec<u8>,
    /// Match as a prefix.
    pub prefix: bool,
}

impl Selector {
    fn matches(&self, k: &[u8]) -> bool {
        if self.prefix {
            k.starts_with(&self.key)
        } else {
            k == self.key.as_slice()
        }
    }
}

/// The result of a range.
#[derive(Debug, Clone)]
pub struct Range<'a> {
    /// Matching live keys at the revision, sorted by key.
    pub kvs: Vec<Kv<'a>>,
    /// The revision read at.
    pub revision: i64,
    /// etcd's current revision.
    pub head: i64,
    /// The compact revision (-1: never compacted).
    pub compact: i64,
}

/// What etcd's range returns for `sel` at `rev` (0: the head), with
/// etcd's errors for a compacted or future revision.
pub fn range<'a>(db: &Db<'a>, sel: &Selector, rev: i64) -> Result<Range<'a>, Error> {
    let compact = compact_revision(db)?;
    let head = head_revision(db, compact)?;
    if rev > head {
        return Err(Error::FutureRevision {
            requested: rev,
            head,
        });
    }
    if rev > 0 && rev < compact {
        return Err(Error::Compacted {
            requested: rev,
            compacted: compact,
        });
    }
    let at = if rev <= 0 { head } else { rev };
    let mut latest: HashMap<&'a [u8], Option<Kv<'a>>> = HashMap::new();
    each_revision(db, |r, tomb, kv| {
        if r.main > at {
            return false;
        }
        if sel.matches(kv.key) {
            latest.insert(kv.key, (!tomb).then_some(kv));
        }
        true
    })?;
    let mut kvs: Vec<Kv<'a>> = latest.into_values().flatten().collect();
    kvs.sort_by(|a, b| a.key.cmp(b.key));
    Ok(Range {
        kvs,
        revision: at,
        head,
        compact,
    })
}

/// One stored revision of a key.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Event<'a> {
    /// The revision.
    pub revision: Revision,
    /// True for a delete (tombstone).
    pub deleted: bool,
    /// The stored record.
    pub kv: Kv<'a>,
}

/// Every stored revision of the keys `sel` selects, oldest first (what
/// compaction left).
pub fn history<'a>(db: &Db<'a>, sel: &Selector) -> Result<Vec<Event<'a>>, Error> {
    let mut out = Vec::new();
    each_revision(db, |revision, deleted, kv| {
        if sel.matches(kv.key) {
            out.push(Event {
                revision,
                deleted,
                kv,
            });
        }
        true
    })?;
    Ok(out)
}

/// Calls `f` on every entry of the `key` bucket in revision order until it
/// returns false.
fn each_revision<'a>(
    db: &Db<'a>,
    mut f: impl FnMut(Revision, bool, Kv<'a>) -> bool,
) -> Result<(), Error> {
    let Some(kb) = db.root_bucket().sub_bucket(db, names::KEY)? else {
        return Ok(());
    };
    let mut it = kb.iter(db);
    while let Some(e) = it.next().transpose()? {
        let (r, tomb) =
            Revision::decode(e.key).ok_or_else(|| Error::bad_revision_key(db, e.key))?;
        let kv = decode_kv(e.value).ok_or_else(|| Error::bad_key_value(db, e.key, e.value))?;
        if !f(r, tomb, kv) {
            break;
        }
    }
    Ok(())
}
