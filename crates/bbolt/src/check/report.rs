//! What a check reports: problem kinds, located problems, counts.

use serde::Serialize;

/// What kind of problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A meta page fails validation.
    MetaInvalid,
    /// The file is shorter than the meta's high-water mark says.
    Truncated,
    /// The high-water mark is impossible.
    BadHighWaterMark,
    /// The freelist page is damaged.
    FreelistInvalid,
    /// A page id appears twice in the freelist (bbolt: "already freed").
    AlreadyFreed,
    /// The freelist holds a meta page id.
    FreedReserved,
    /// The freelist holds an id at or beyond the high-water mark.
    FreedOutOfBounds,
    /// The freelist ids are not sorted.
    FreelistUnsorted,
    /// A referenced page is at or beyond the high-water mark (bbolt: "out of bounds").
    OutOfBounds,
    /// A referenced page lies beyond the end of the file.
    BeyondEndOfFile,
    /// A page is referenced more than once (bbolt: "multiple references").
    MultipleReferences,
    /// A branch page points back to one of its ancestors.
    Cycle,
    /// A reachable page is in the freelist (bbolt: "reachable freed").
    ReachableFreed,
    /// A tree page is neither branch nor leaf (bbolt: "invalid type").
    InvalidType,
    /// A page is neither reachable nor free (bbolt: "unreachable unfreed").
    UnreachableUnfreed,
    /// A page's header id differs from its position in the file.
    PageIdMismatch,
    /// The element count does not fit in the page.
    CountTooLarge,
    /// An element's key or value runs past its page.
    ElementOutOfBounds,
    /// Keys are not strictly ascending, or lie outside their parent's range.
    KeyOrder,
    /// A key is empty.
    EmptyKey,
    /// A branch page has no elements.
    EmptyBranch,
    /// A leaf element has flags bbolt never writes.
    BadElementFlags,
    /// A bucket value is malformed.
    BadBucketValue,
    /// An inline bucket's page image is malformed.
    BadInlineBucket,
    /// A top-level entry is a plain key, not a bucket.
    NotABucket,
    /// A page's overflow runs past the end of the file.
    OverflowPastEndOfFile,
    /// A page's overflow runs past the high-water mark.
    OverflowOutOfBounds,
    /// The tree is deeper than the checker follows.
    TooDeep,
}

/// One problem, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The page it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Absolute file offset of the damaged bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Bucket path (names joined with `/`, bytes shown lossily) where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// What was expected and what was found.
    pub message: String,
    /// The message Go bbolt 1.3.6's `tx.Check()` gives for the same
    /// condition, when it reports it at all (1.4.3 gives the same message
    /// with the page stack appended, ` (stack: [..])`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbolt: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = self.page {
            write!(f, "page {p}")?;
            if let Some(o) = self.offset {
                write!(f, " (offset {o})")?;
            }
            write!(f, ": ")?;
        } else if let Some(o) = self.offset {
            write!(f, "offset {o}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(b) = &self.bucket {
            write!(f, " [bucket {b}]")?;
        }
        Ok(())
    }
}

/// Counts gathered during the walk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Branch pages reached.
    pub branch_pages: u64,
    /// Leaf pages reached.
    pub leaf_pages: u64,
    /// Overflow pages following reached pages.
    pub overflow_pages: u64,
    /// Freelist pages (with overflow).
    pub freelist_pages: u64,
    /// Free page ids (from the freelist, or derived by reachability).
    pub free_pages: u64,
    /// Buckets, the root bucket excluded.
    pub buckets: u64,
    /// Inline buckets among them.
    pub inline_buckets: u64,
    /// Key/value pairs that are not buckets.
    pub keys: u64,
}

/// The result of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// File size in bytes.
    pub file_size: u64,
    /// Page size in use, when a meta page could be read.
    pub page_size: Option<u64>,
    /// Meta page in use (0 or 1).
    pub meta: Option<u8>,
    /// Transaction id of that meta page.
    pub txid: Option<u64>,
    /// High-water mark of that meta page.
    pub high_water_mark: Option<u64>,
    /// Whole pages in the file.
    pub file_pages: Option<u64>,
    /// True when the file ends in etcd's 32-byte SHA-256 trailer (not verified here).
    pub sha256_trailer: bool,
    /// True when the freelist is stored in the file (false: NoFreelistSync).
    pub freelist_synced: Option<bool>,
    /// Counts from the walk.
    pub counts: Counts,
    /// Every problem found, in the order found.
    pub problems: Vec<Problem>,
}

impl Report {
    /// True when no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems Go bbolt's `tx.Check()` would also report, as its messages.
    pub fn bbolt_messages(&self) -> Vec<&str> {
        self.problems
            .iter()
            .filter_map(|p| p.bbolt.as_deref())
            .collect()
    }
}
