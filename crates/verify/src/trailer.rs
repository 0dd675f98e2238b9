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
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Verifies the trailer of `db`'s file, hashing the contents in parallel
/// slices is not possible with SHA-256, so this is one sequential pass.
pub fn verify(db: &etcdsnap_bbolt::Db<'_>) -> Result<Trailer, Error> {
    let Some(stored) = db.trailer() else {
        return Ok(Trailer::Absent);
    };
    let computed = Sha256::digest(db.data());
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
