//! The SHA-256 trailer `etcdctl snapshot save` appends to snapshot files.

use sha2::{Digest, Sha256};

use crate::Error;

/// What the trailer check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "trailer")]
pub enum Trailer {
    /// The file has no trailer (`size % 512 != 32`), like a raw `member/snap/db`.
    Absent,
    /// The trailer matches the SHA-256 of everything before it.
    Valid {
        /// Hex SHA-256.
        sha256: String,
    },
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

/// Verifies the trailer of `db`'s file. SHA-256 cannot be split into
/// parallel parts, so this is one sequential pass.
pub fn verify(db: &etcdsnap_bbolt::Db<'_>) -> Result<Trailer, Error> {
    verify_file(db.file())
}

/// Verifies the trailer of a whole file's bytes, whether or not they open
/// as a database (a damaged file's trailer still says whether its bytes
/// are the ones saved).
pub fn verify_file(file: &[u8]) -> Result<Trailer, Error> {
    let len = file.len();
    if !etcdsnap_bbolt::db::has_trailer(len as u64) || len <= 32 {
        return Ok(Trailer::Absent);
    }
    let (data, stored) = file.split_at(len - 32);
    // SHA-256 is one sequential stream at about 2 GB/s when its input is in
    // cache; read straight from the mapping it waits for memory at every
    // page. Asking for the next block while one is hashed keeps it near the
    // in-cache rate (on a 1.1 GB file: 0.57 s instead of 0.69 s).
    const BLOCK: usize = 1024;
    let mut hasher = Sha256::new();
    let mut blocks = data.chunks(BLOCK).peekable();
    while let Some(block) = blocks.next() {
        if let Some(next) = blocks.peek() {
            etcdsnap_bbolt::prefetch::all(next);
        }
        hasher.update(block);
    }
    let computed = hasher.finalize();
    if computed.as_slice() != stored {
        return Err(Error::TrailerMismatch {
            stored: hex(stored),
            computed: hex(&computed),
        });
    }
    Ok(Trailer::Valid {
        sha256: hex(stored),
    })
}
