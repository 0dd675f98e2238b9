//! Revisions: the keys of etcd's `key` bucket.
//!
//! ```text
//! 0        8   9        17   [17]
//! | main   | _ | sub    |    ['t' = tombstone]
//! | u64 BE |   | u64 BE |
//! ```

/// An etcd revision `{main, sub}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Revision {
    /// Main revision (one per transaction).
    pub main: i64,
    /// Sub revision (position within the transaction).
    pub sub: i64,
}

impl Revision {
    /// Decodes a `key` bucket key: 17 bytes, or 18 with a tombstone mark.
    /// Returns the revision and whether it is a tombstone.
    pub fn decode(k: &[u8]) -> Option<(Self, bool)> {
        let main = i64::from_be_bytes(k.get(0..8)?.try_into().ok()?);
        let sub = i64::from_be_bytes(k.get(9..17)?.try_into().ok()?);
        let tomb = match k.len() {
            17 => false,
            18 => k.get(17) == Some(&b't'),
            _ => return None,
        };
        Some((Self { main, sub }, tomb))
    }

    /// Main revision of a key, as etcd's `bytesToRev` reads it (first 8 bytes).
    pub fn main_of(k: &[u8]) -> Option<i64> {
        Some(i64::from_be_bytes(k.get(0..8)?.try_into().ok()?))
    }

    /// The 17-byte key of this revision (18 with the tombstone mark), as
    /// etcd's `revToBytes` writes it.
    pub fn to_key(self, tombstone: bool) -> Vec<u8> {
        let mut k = Vec::with_capacity(18);
        k.extend_from_slice(&self.main.to_be_bytes());
        k.push(b'_');
        k.extend_from_slice(&self.sub.to_be_bytes());
        if tombstone {
            k.push(b't');
        }
        k
    }
}

impl std::fmt::Display for Revision {
    /// `main.sub`, as etcdsnap names a revision everywhere.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.main, self.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plain_and_tombstone() {
        let mut k = Vec::new();
        k.extend(5i64.to_be_bytes());
        k.push(b'_');
        k.extend(2i64.to_be_bytes());
        assert_eq!(
            Revision::decode(&k),
            Some((Revision { main: 5, sub: 2 }, false))
        );
        k.push(b't');
        assert_eq!(
            Revision::decode(&k),
            Some((Revision { main: 5, sub: 2 }, true))
        );
        assert_eq!(Revision::decode(&k[..10]), None);
        assert_eq!(Revision { main: 5, sub: 2 }.to_key(true), k);
        assert_eq!(Revision { main: 46, sub: 0 }.to_string(), "46.0");
    }
}
