//! `mvccpb.KeyValue`, the value of every `key`-bucket entry, decoded
//! without copying: field 1 `key` (bytes), 2 `create_revision`,
//! 3 `mod_revision`, 4 `version`, 5 `value` (bytes), 6 `lease` (int64
//! varints). This is the one decoder every command uses, so a revision one
//! command accepts is accepted by all.
//!
//! ```text
//! 0x0a len key... 0x10 create 0x18 mod 0x20 version 0x2a len value... 0x30 lease
//! ```

use serde::Serialize;

use crate::wire::{fields, Field};

/// A stored `mvccpb.KeyValue`, borrowing from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Kv<'a> {
    /// The user key.
    #[serde(skip)]
    pub key: &'a [u8],
    /// The value.
    #[serde(skip)]
    pub value: &'a [u8],
    /// Revision of the key's creation in this generation.
    pub create_revision: i64,
    /// Revision of this modification.
    pub mod_revision: i64,
    /// Modifications since creation.
    pub version: i64,
    /// Lease id, 0 for none.
    pub lease: i64,
}

/// Decodes a `mvccpb.KeyValue` as etcd's generated unmarshaler does:
/// `None` where it returns an error (a truncated field, a known field with
/// the wrong wire type, a malformed tag). An empty value decodes to the
/// empty KeyValue (etcd's revision-bump marker).
pub fn decode_kv(b: &[u8]) -> Option<Kv<'_>> {
    let mut kv = Kv::default();
    for f in fields(b) {
        match f? {
            Field::Len(1, x) => kv.key = x,
            Field::Len(5, x) => kv.value = x,
            Field::Varint(2, v) => kv.create_revision = v as i64,
            Field::Varint(3, v) => kv.mod_revision = v as i64,
            Field::Varint(4, v) => kv.version = v as i64,
            Field::Varint(6, v) => kv.lease = v as i64,
            Field::Len(1..=6, _) | Field::Varint(1..=6, _) | Field::Other(1..=6, _) => return None,
            _ => {}
        }
    }
    Some(kv)
}

/// The user key of a stored revision, the empty key when the value does
/// not decode (as etcd's hashing and key counting treat it).
pub fn key_of(b: &[u8]) -> &[u8] {
    decode_kv(b).map_or(&[], |kv| kv.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_field() {
        // key "foo", create 2, mod 3, version 1, value "bar", lease 7
        let v = [
            0x0a, 3, b'f', b'o', b'o', 0x10, 2, 0x18, 3, 0x20, 1, 0x2a, 3, b'b', b'a', b'r', 0x30,
            7,
        ];
        let kv = decode_kv(&v).unwrap();
        assert_eq!(kv.key, b"foo");
        assert_eq!(kv.value, b"bar");
        assert_eq!(
            (kv.create_revision, kv.mod_revision, kv.version, kv.lease),
            (2, 3, 1, 7)
        );
        assert_eq!(key_of(&v), b"foo");
    }

    #[test]
    fn refuses_what_go_refuses() {
        assert_eq!(decode_kv(&[0x0a, 9, 1]), None); // length past the end
        assert_eq!(decode_kv(&[0x12, 1, 0]), None); // create_revision as bytes
        assert_eq!(decode_kv(&[0x08, 1]), None); // key as a varint
        assert_eq!(key_of(&[0x0a, 9, 1]), b"");
        assert_eq!(decode_kv(&[]), Some(Kv::default()));
        // Unknown fields are skipped; the last key wins.
        let v = [0x0a, 1, b'a', 0x38, 5, 0x0a, 1, b'b'];
        assert_eq!(decode_kv(&v).unwrap().key, b"b");
    }
}
