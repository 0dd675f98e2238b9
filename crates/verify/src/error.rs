//! The crate's error type.

/// Errors from etcd-level verification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bbolt layer failed (I/O or damage it found).
    #[error(transparent)]
    Bolt(#[from] etcdsnap_bbolt::Error),
    /// The structural check found problems Go bbolt's `tx.Check()` also
    /// reports, so etcd's tools refuse the file too.
    #[error("snapshot file integrity check failed. {} errors found.\n{}", .problems.len(), .problems.join("\n"))]
    Integrity {
        /// One line per problem.
        problems: Vec<String>,
    },
    /// The SHA-256 trailer does not match the file's contents.
    #[error(
        "SHA-256 trailer mismatch: the trailer holds {stored}, the contents hash to {computed}"
    )]
    TrailerMismatch {
        /// Hex of the stored trailer.
        stored: String,
        /// Hex of the computed hash.
        computed: String,
    },
    /// A key in the `key` bucket is not a revision.
    #[error("key bucket: entry {index} has a {len}-byte key, expected a 17- or 18-byte revision")]
    BadRevisionKey {
        /// Entry index in the bucket.
        index: u64,
        /// Key length found.
        len: usize,
    },
    /// The requested revision has been compacted.
    /// A `key` bucket value is not a `mvccpb.KeyValue`.
    #[error("key bucket: entry {index} (revision {revision}) does not decode as mvccpb.KeyValue")]
    BadKeyValue {
        /// Entry index in the bucket.
        index: u64,
        /// Its revision key, as `main_sub`.
        revision: String,
    },
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
