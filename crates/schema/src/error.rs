//! The crate's error type.

use crate::Revision;

/// A record of etcd's schema that does not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bbolt layer failed (I/O or damage it found).
    #[error(transparent)]
    Bolt(#[from] etcdsnap_bbolt::Error),
    /// A key in the `key` bucket is not a revision.
    #[error("key bucket: page {page} (file offset {offset}): key {key} is not a revision key (17 or 18 bytes)")]
    BadRevisionKey {
        /// Page holding the key.
        page: u64,
        /// Absolute file offset of the key.
        offset: u64,
        /// The key, shown as text or hex.
        key: String,
    },
    /// A `key` bucket value is not a `mvccpb.KeyValue`.
    #[error("key bucket: revision {revision} (page {page}, value at file offset {offset}) does not decode as mvccpb.KeyValue")]
    BadKeyValue {
        /// Page holding the entry.
        page: u64,
        /// Absolute file offset of the value.
        offset: u64,
        /// Its revision, as `main.sub`, or the key shown as text or hex.
        revision: String,
    },
    /// A `meta` value is not what etcd writes there.
    #[error("meta bucket: {key} is {found}, not {expected}")]
    BadMeta {
        /// The meta key.
        key: String,
        /// What etcd writes.
        expected: &'static str,
        /// What is there.
        found: String,
    },
    /// The requested revision has been compacted.
    #[error("mvcc: required revision has been compacted (requested {requested}, compacted at {compacted})")]
    Compacted {
        /// Requested revision.
        requested: i64,
        /// Compact revision.
        compacted: i64,
    },
    /// The requested revision is beyond the head.
    #[error("mvcc: required revision is a future revision (requested {requested}, head {head})")]
    FutureRevision {
        /// Requested revision.
        requested: i64,
        /// Head revision.
        head: i64,
    },
}

impl Error {
    /// A key of the `key` bucket that is not a revision key.
    pub fn bad_revision_key(db: &etcdsnap_bbolt::Db<'_>, key: &[u8]) -> Self {
        let offset = db.offset_of(key);
        Error::BadRevisionKey {
            page: offset / db.page_size().max(1) as u64,
            offset,
            key: etcdsnap_bbolt::check::show_key(key),
        }
    }

    /// A value of the `key` bucket (under `key`) that does not decode.
    pub fn bad_key_value(db: &etcdsnap_bbolt::Db<'_>, key: &[u8], value: &[u8]) -> Self {
        let offset = db.offset_of(value);
        Error::BadKeyValue {
            page: offset / db.page_size().max(1) as u64,
            offset,
            revision: match Revision::decode(key) {
                Some((r, _)) => r.to_string(),
                None => etcdsnap_bbolt::check::show_key(key),
            },
        }
    }
}
