//! Just enough of `mvccpb.KeyValue` to read its fields without a schema
//! compiler: field 1 `key` (bytes), 2 `create_revision`, 3 `mod_revision`,
//! 4 `version`, 5 `value` (bytes), 6 `lease` (int64s as varints).

/// Reads a protobuf varint at `*i`.
fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// The `key` field of an encoded `mvccpb.KeyValue`.
pub fn kv_key(v: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i < v.len() {
        let tag = varint(v, &mut i)?;
        match (tag >> 3, tag & 7) {
            (1, 2) => {
                let len = usize::try_from(varint(v, &mut i)?).ok()?;
                return v.get(i..i.checked_add(len)?);
            }
            (_, 0) => {
                varint(v, &mut i)?;
            }
            (_, 2) => {
                let len = usize::try_from(varint(v, &mut i)?).ok()?;
                i = i.checked_add(len)?;
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_key_field() {
        // key "foo", create 2, mod 3, version 1, value "bar"
        let v = [
            0x0a, 3, b'f', b'o', b'o', 0x10, 2, 0x18, 3, 0x20, 1, 0x2a, 3, b'b', b'a', b'r',
        ];
        assert_eq!(kv_key(&v), Some(&b"foo"[..]));
        assert_eq!(kv_key(&[0x0a, 9, 1]), None);
        assert_eq!(kv_key(&[]), None);
    }
}
