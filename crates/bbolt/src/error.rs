//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

use crate::PageId;

/// Why a meta page was rejected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MetaError {
    /// The file is too short to hold this meta page.
    Truncated {
        /// Bytes needed to read the meta page.
        needed: u64,
        /// Bytes in the file.
        found: u64,
    },
    /// The magic number is wrong (bbolt: "invalid database").
    InvalidMagic {
        /// Magic found.
        found: u32,
    },
    /// The version is not 2 (bbolt: "version mismatch").
    VersionMismatch {
        /// Version found.
        found: u32,
    },
    /// The FNV-1a checksum does not match (bbolt: "checksum error").
    Checksum {
        /// Checksum stored in the page.
        stored: u64,
        /// Checksum computed over bytes `[16, 72)`.
        computed: u64,
    },
    /// The page size is not usable.
    BadPageSize {
        /// Page size found.
        found: u32,
    },
}

impl fmt::Display for MetaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, found } => write!(
                f,
                "file too short for meta page: needs {needed} bytes, has {found}"
            ),
            Self::InvalidMagic { found } => write!(
                f,
                "invalid database: magic is {found:#010x}, expected {:#010x}",
                crate::layout::MAGIC
            ),
            Self::VersionMismatch { found } => write!(
                f,
                "version mismatch: version is {found}, expected {}",
                crate::layout::VERSION
            ),
            Self::Checksum { stored, computed } => write!(
                f,
                "checksum error: stored {stored:#018x}, computed {computed:#018x}"
            ),
            Self::BadPageSize { found } => write!(
                f,
                "unusable page size {found} (expected a power of two from {} to {})",
                crate::layout::MIN_PAGE_SIZE,
                crate::layout::MAX_PAGE_SIZE
            ),
        }
    }
}

/// Errors from reading a bbolt file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is too short to be a bbolt database.
    #[error("file is {len} bytes, too short for a bbolt database (at least {needed} bytes)")]
    TooShort {
        /// File length.
        len: u64,
        /// Minimum length.
        needed: u64,
    },
    /// Neither meta page is valid, so the file cannot be opened.
    #[error("no valid meta page: meta page 0: {meta0}; meta page 1: {meta1}")]
    NoValidMeta {
        /// Why meta page 0 was rejected.
        meta0: MetaError,
        /// Why meta page 1 was rejected.
        meta1: MetaError,
    },
    /// A structure in the file is damaged.
    #[error("page {page} (file offset {offset}): {what}")]
    Corrupt {
        /// The page where the damage was found.
        page: PageId,
        /// Absolute file offset of the damaged bytes.
        offset: u64,
        /// What was expected and what was found.
        what: String,
    },
    /// A bucket on the requested path does not exist.
    #[error("bucket not found: {0}")]
    BucketNotFound(String),
    /// The key does not exist.
    #[error("key not found")]
    KeyNotFound,
    /// The key exists but is a bucket, or a bucket name is a plain key.
    #[error("{0}")]
    WrongKind(String),
}

impl Error {
    /// Builds a [`Error::Corrupt`].
    pub fn corrupt(page: PageId, offset: u64, what: impl Into<String>) -> Self {
        Self::Corrupt {
            page,
            offset,
            what: what.into(),
        }
    }

    /// True when the error means the file is damaged (as opposed to a
    /// missing bucket or key, or an I/O failure).
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            Self::Corrupt { .. } | Self::NoValidMeta { .. } | Self::TooShort { .. }
        )
    }
}

impl std::error::Error for MetaError {}
