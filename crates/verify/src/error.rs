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
    /// etcd's schema does not read (a revision key, a KeyValue, a
    /// compacted or future revision).
    #[error(transparent)]
    Schema(#[from] etcdsnap_schema::Error),
}
