//! The protobuf wire format as Go's generated (gogoproto) unmarshalers
//! read it: varints of at most ten bytes, length-delimited fields bounded
//! by the bytes present, unknown fields skipped (groups included), the
//! last occurrence of a singular field winning.

/// Protobuf wire types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// 0: varint.
    Varint,
    /// 1: eight bytes.
    Fixed64,
    /// 2: length-delimited.
    Len,
    /// 3: group start (deprecated; skipped).
    StartGroup,
    /// 4: group end.
    EndGroup,
    /// 5: four bytes.
    Fixed32,
}

/// One field as read: its number and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    /// A varint field.
    Varint(u32, u64),
    /// A length-delimited field, borrowing its bytes.
    Len(u32, &'a [u8]),
    /// A fixed-width or group field, skipped.
    Other(u32, WireType),
}

/// Reads a varint as Go does: up to ten bytes (the tenth contributes its
/// lowest bit), returning the value and the rest.
pub fn varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, b.get(i + 1..)?));
        }
    }
    None
}

fn tag(b: &[u8]) -> Option<(u32, WireType, &[u8])> {
    let (t, rest) = varint(b)?;
    let number = u32::try_from(t >> 3).ok().filter(|n| *n > 0)?;
    let wt = match t & 7 {
        0 => WireType::Varint,
        1 => WireType::Fixed64,
        2 => WireType::Len,
        3 => WireType::StartGroup,
        4 => WireType::EndGroup,
        5 => WireType::Fixed32,
        _ => return None,
    };
    Some((number, wt, rest))
}

/// Skips the body of a group opened with field `number`.
fn skip_group(mut b: &[u8], number: u32) -> Option<&[u8]> {
    let mut open = vec![number];
    while let Some(&top) = open.last() {
        let (n, wt, rest) = tag(b)?;
        b = match wt {
            WireType::Varint => varint(rest)?.1,
            WireType::Fixed64 => rest.get(8..)?,
            WireType::Fixed32 => rest.get(4..)?,
            WireType::Len => len_delimited(rest)?.1,
            WireType::StartGroup => {
                open.push(n);
                rest
            }
            WireType::EndGroup if n == top => {
                open.pop();
                rest
            }
            WireType::EndGroup => return None,
        };
    }
    Some(b)
}

fn len_delimited(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = varint(b)?;
    let len = usize::try_from(len).ok()?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// The fields of a message in order; `None` ends the walk at the first
/// malformed byte (the caller's decode fails there, as Go's does).
pub fn fields(mut b: &[u8]) -> impl Iterator<Item = Option<Field<'_>>> {
    let mut failed = false;
    std::iter::from_fn(move || {
        if b.is_empty() || failed {
            return None;
        }
        let field = (|| {
            let (n, wt, rest) = tag(b)?;
            let (f, rest) = match wt {
                WireType::Varint => {
                    let (v, rest) = varint(rest)?;
                    (Field::Varint(n, v), rest)
                }
                WireType::Len => {
                    let (x, rest) = len_delimited(rest)?;
                    (Field::Len(n, x), rest)
                }
                WireType::Fixed64 => (Field::Other(n, wt), rest.get(8..)?),
                WireType::Fixed32 => (Field::Other(n, wt), rest.get(4..)?),
                WireType::StartGroup => (Field::Other(n, wt), skip_group(rest, n)?),
                WireType::EndGroup => return None,
            };
            b = rest;
            Some(f)
        })();
        failed = field.is_none();
        Some(field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_as_go_reads_them() {
        assert_eq!(varint(&[0x96, 0x01, 9]), Some((150, &[9u8][..])));
        assert_eq!(varint(&[0x80; 10]), None);
        // A tenth byte contributes its lowest bit only.
        let mut ten = [0xffu8; 10];
        ten[9] = 0x7f;
        assert_eq!(varint(&ten), Some((u64::MAX, &[][..])));
        assert_eq!(varint(&[]), None);
    }

    #[test]
    fn unknown_fields_and_groups_are_skipped() {
        // field 7 fixed32, field 8 group holding field 1 varint, field 1 len "a"
        let b = [0x3d, 1, 2, 3, 4, 0x43, 0x08, 5, 0x44, 0x0a, 1, b'a'];
        let got: Vec<_> = fields(&b).collect();
        assert_eq!(
            got,
            vec![
                Some(Field::Other(7, WireType::Fixed32)),
                Some(Field::Other(8, WireType::StartGroup)),
                Some(Field::Len(1, b"a")),
            ]
        );
        // A length past the end fails the walk.
        assert_eq!(fields(&[0x0a, 5, 1]).collect::<Vec<_>>(), vec![None]);
        // Field number 0 is malformed.
        assert_eq!(fields(&[0x00, 1]).collect::<Vec<_>>(), vec![None]);
    }
}
