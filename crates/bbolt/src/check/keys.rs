//! Key checks: order within and across pages, bounds, element flags,
//! and how keys and errors are shown in messages.

use super::*;

/// Checks one key: not empty, above the previous key, inside `[lo, hi)`.
pub(super) fn key_checks(
    node: &Node<'_>,
    i: usize,
    key: &[u8],
    prev: Option<&[u8]>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    emit: &mut Emit<'_>,
) {
    let eoff = node.element_offset(i);
    let page = node.page.0;
    let what = if node.inline {
        "inline bucket page"
    } else {
        "page"
    };
    if key.is_empty() {
        emit(
            ProblemKind::EmptyKey,
            page,
            eoff,
            format!("element {i} of the {what} has an empty key"),
        );
    }
    if let Some(p) = prev {
        if cmp_keys(key, p).is_le() {
            emit(
                ProblemKind::KeyOrder,
                page,
                eoff,
                format!(
                    "element {i} of the {what}: key {} is not greater than the previous key {}",
                    show_key(key),
                    show_key(p)
                ),
            );
            return;
        }
    }
    if let (Some(lo), None) = (lo, prev) {
        if cmp_keys(key, lo).is_lt() {
            emit(
                ProblemKind::KeyOrder,
                page,
                eoff,
                format!(
                    "element {i} of the {what}: key {} is below the parent branch key {}",
                    show_key(key),
                    show_key(lo)
                ),
            );
        }
    }
    if let Some(hi) = hi {
        if cmp_keys(key, hi).is_ge() {
            emit(
                ProblemKind::KeyOrder,
                page,
                eoff,
                format!(
                    "element {i} of the {what}: key {} is not below the next parent branch key {}",
                    show_key(key),
                    show_key(hi)
                ),
            );
        }
    }
}

/// Bytewise key order (what `<[u8]>::cmp` gives), eight bytes at a time
/// as big-endian words, inline: keys here are short (etcd's revision keys
/// are 17 bytes) and often share their first words with the key they are
/// compared with (a branch key and its child's first key are equal), where
/// a call into `memcmp` costs more than the comparison.
#[inline]
pub(super) fn cmp_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (mut x, mut y) = (a, b);
    while let (Some((xw, xr)), Some((yw, yr))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        let (xw, yw) = (u64::from_be_bytes(*xw), u64::from_be_bytes(*yw));
        if xw != yw {
            return xw.cmp(&yw);
        }
        (x, y) = (xr, yr);
    }
    // One side has under eight bytes left.
    for (p, q) in x.iter().zip(y) {
        if p != q {
            return p.cmp(q);
        }
    }
    x.len().cmp(&y.len())
}

/// What [`leaf_contents`] finds in a leaf none of whose checks fails: its
/// plain keys, and whether it holds bucket elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CleanLeaf {
    pub(super) keys: u64,
    pub(super) has_buckets: bool,
}

/// The checks of [`leaf_contents`] in one tight pass, for the common case
/// of a sound leaf: `Some` exactly when `leaf_contents` would report
/// nothing, `None` when it would report something (the caller then runs
/// it for the messages).
#[inline]
pub(super) fn clean_leaf(
    node: &Node<'_>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    root: bool,
) -> Option<CleanLeaf> {
    let mut prev: Option<&[u8]> = None;
    let mut keys = 0u64;
    let mut has_buckets = false;
    for i in 0..node.count {
        let e = node.leaf_if_sound(i)?;
        if !in_order(e.key, prev, lo) || e.flags & !LEAF_FLAG_BUCKET != 0 {
            return None;
        }
        prev = Some(e.key);
        if e.is_bucket() {
            has_buckets = true;
        } else if root {
            return None;
        } else {
            keys += 1;
        }
    }
    below(prev, hi).then_some(CleanLeaf { keys, has_buckets })
}

/// The key-order part of [`key_checks`] for a clean pass: `key` is not
/// empty and rises above `prev` (or, first in its page, is not below the
/// parent's key `lo`).
#[inline]
fn in_order(key: &[u8], prev: Option<&[u8]>, lo: Option<&[u8]>) -> bool {
    !key.is_empty()
        && match prev {
            Some(p) => cmp_keys(key, p).is_gt(),
            None => lo.is_none_or(|lo| cmp_keys(key, lo).is_ge()),
        }
}

/// The rest of it, once the keys rose one by one: the last is below the
/// parent's next key `hi`, and so are all.
#[inline]
fn below(last: Option<&[u8]>, hi: Option<&[u8]>) -> bool {
    match (last, hi) {
        (Some(last), Some(hi)) => cmp_keys(last, hi).is_lt(),
        _ => true,
    }
}

/// The element checks of a branch page in one tight pass, collecting each
/// element's key, child and file offset into `elems`: true exactly when
/// the element-by-element checks (bounds and [`key_checks`]) would report
/// nothing; on false `elems` holds a part and the caller runs those.
#[inline]
pub(super) fn clean_branch<'a>(
    node: &Node<'a>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    elems: &mut Vec<(&'a [u8], u64, u64)>,
) -> bool {
    let mut prev: Option<&[u8]> = None;
    for i in 0..node.count {
        let Some(e) = node.branch_if_sound(i) else {
            return false;
        };
        if !in_order(e.key, prev, lo) {
            return false;
        }
        prev = Some(e.key);
        elems.push((e.key, e.child.0, node.element_offset(i)));
    }
    below(prev, hi)
}

/// Element checks of one leaf: bounds, key order, flags, plain keys in the
/// root bucket. Returns the number of plain (non-bucket) keys.
pub(super) fn leaf_contents(
    node: &Node<'_>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    root: bool,
    emit: &mut Emit<'_>,
) -> u64 {
    // Touch every key first (independent loads the CPU overlaps).
    let mut touch = 0u8;
    for i in 0..node.count {
        let pos = layout::u32_at(
            node.bytes,
            layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE + 4,
        )
        .unwrap_or(0) as usize;
        let at = (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE).saturating_add(pos);
        touch ^= node.bytes.get(at).copied().unwrap_or(0);
    }
    std::hint::black_box(touch);
    let mut keys = 0;
    let mut prev = None;
    for i in 0..node.count {
        let e = match node.leaf(i) {
            Ok(e) => e,
            Err(err) => {
                let kind = if node.inline {
                    ProblemKind::BadInlineBucket
                } else {
                    ProblemKind::ElementOutOfBounds
                };
                emit(
                    kind,
                    node.page.0,
                    err_offset(&err, node.offset),
                    error_text(&err),
                );
                continue;
            }
        };
        key_checks(node, i, e.key, prev, lo, hi, emit);
        prev = Some(e.key);
        let eoff = node.element_offset(i);
        if e.flags & !LEAF_FLAG_BUCKET != 0 {
            emit(
                ProblemKind::BadElementFlags,
                node.page.0,
                eoff,
                format!(
                    "element {i} has flags {:#x}; bbolt only writes 0 or 1 (bucket)",
                    e.flags
                ),
            );
        }
        if e.is_bucket() {
            continue;
        }
        if root {
            emit(
                ProblemKind::NotABucket,
                node.page.0,
                eoff,
                format!(
                    "top-level entry {} is a plain key; the root bucket holds only buckets",
                    show_key(e.key)
                ),
            );
        } else {
            keys += 1;
        }
    }
    keys
}

pub(super) fn error_text(e: &Error) -> String {
    match e {
        Error::Corrupt { what, .. } => what.clone(),
        other => other.to_string(),
    }
}

pub(super) fn err_offset(e: &Error, default: u64) -> u64 {
    match e {
        Error::Corrupt { offset, .. } => *offset,
        _ => default,
    }
}

/// Shows a key for a message: text when printable ASCII/UTF-8, hex otherwise.
pub fn show_key(k: &[u8]) -> String {
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
        _ => format!("0x{}", hex::encode(k)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use etcdsnap_testsupport::rng::Rng;

    fn random_key(r: &mut Rng) -> Vec<u8> {
        // Few distinct bytes and lengths around a word, so keys often share
        // prefixes and end inside or at the edge of an eight-byte word.
        let len = r.below(20);
        (0..len).map(|_| b"ab\x00\xff"[r.below(4)]).collect()
    }

    #[test]
    fn cmp_keys_orders_as_slices_do() {
        let mut r = Rng::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..200_000 {
            let a = random_key(&mut r);
            let b = if r.below(4) == 0 {
                a.clone()
            } else {
                random_key(&mut r)
            };
            assert_eq!(cmp_keys(&a, &b), a.cmp(&b), "{a:?} {b:?}");
        }
    }

    /// A leaf (or branch) page image with `keys`, then damaged at random.
    fn page(r: &mut Rng, leaf: bool, keys: &[Vec<u8>]) -> Vec<u8> {
        let n = keys.len();
        let mut b = vec![0u8; layout::PAGE_HEADER_SIZE + n * layout::ELEMENT_SIZE];
        b[8..10].copy_from_slice(&(if leaf { 2u16 } else { 1u16 }).to_le_bytes());
        b[10..12].copy_from_slice(&(n as u16).to_le_bytes());
        for (i, k) in keys.iter().enumerate() {
            let e = layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE;
            let pos = (b.len() - e) as u32;
            let value: Vec<u8> = vec![7; r.below(5)];
            if leaf {
                let flags = u32::from(r.below(8) == 0);
                b[e..e + 4].copy_from_slice(&flags.to_le_bytes());
                b[e + 4..e + 8].copy_from_slice(&pos.to_le_bytes());
                b[e + 8..e + 12].copy_from_slice(&(k.len() as u32).to_le_bytes());
                b[e + 12..e + 16].copy_from_slice(&(value.len() as u32).to_le_bytes());
            } else {
                b[e..e + 4].copy_from_slice(&pos.to_le_bytes());
                b[e + 4..e + 8].copy_from_slice(&(k.len() as u32).to_le_bytes());
                b[e + 8..e + 16].copy_from_slice(&(r.next_u64() % 1000).to_le_bytes());
            }
            b.extend_from_slice(k);
            if leaf {
                b.extend_from_slice(&value);
            }
        }
        for _ in 0..r.below(3) {
            let at = r.below(b.len());
            b[at] = r.next_u64() as u8;
        }
        let cut = r.below(8);
        if cut == 0 && b.len() > 20 {
            b.truncate(b.len() - r.below(8));
        }
        b
    }

    #[test]
    fn the_clean_passes_agree_with_the_element_by_element_checks() {
        let mut r = Rng::new(0x2545_F491_4F6C_DD1D);
        let (mut clean, mut reported) = (0, 0);
        for _ in 0..50_000 {
            let mut keys: Vec<Vec<u8>> = (0..r.below(6)).map(|_| random_key(&mut r)).collect();
            if r.below(2) == 0 {
                keys.sort();
                keys.dedup();
            }
            let leaf = r.below(2) == 0;
            let bytes = page(&mut r, leaf, &keys);
            let Some(count) = bytes.get(10..12).map(|c| u16::from_le_bytes([c[0], c[1]])) else {
                continue;
            };
            let Ok(node) = Node::new_unchecked(PageId(3), 4096, &bytes, leaf, count, false) else {
                continue;
            };
            let lo_key = random_key(&mut r);
            let hi_key = random_key(&mut r);
            let lo = (r.below(2) == 0).then_some(&lo_key[..]);
            let hi = (r.below(2) == 0).then_some(&hi_key[..]);
            let mut problems = 0;
            let mut emit = |_: ProblemKind, _: u64, _: u64, _: String| problems += 1;
            if leaf {
                let root = r.below(4) == 0;
                let keys = leaf_contents(&node, lo, hi, root, &mut emit);
                match clean_leaf(&node, lo, hi, root) {
                    Some(c) => {
                        assert_eq!(problems, 0, "{bytes:?}");
                        assert_eq!(c.keys, keys);
                        let buckets =
                            (0..node.count).any(|i| node.leaf(i).is_ok_and(|e| e.is_bucket()));
                        assert_eq!(c.has_buckets, buckets);
                        clean += 1;
                    }
                    None => {
                        assert!(problems > 0, "{bytes:?}");
                        reported += 1;
                    }
                }
            } else {
                let mut prev = None;
                let mut expect = Vec::new();
                for i in 0..node.count {
                    match node.branch(i) {
                        Ok(e) => {
                            key_checks(&node, i, e.key, prev, lo, hi, &mut emit);
                            prev = Some(e.key);
                            expect.push(e.child.0);
                        }
                        Err(_) => emit(ProblemKind::ElementOutOfBounds, 0, 0, String::new()),
                    }
                }
                let mut elems = Vec::new();
                if clean_branch(&node, lo, hi, &mut elems) {
                    assert_eq!(problems, 0, "{bytes:?}");
                    let children: Vec<u64> = elems.iter().map(|e| e.1).collect();
                    assert_eq!(children, expect);
                    clean += 1;
                } else {
                    assert!(problems > 0, "{bytes:?}");
                    reported += 1;
                }
            }
        }
        // Both sides were exercised.
        assert!(
            clean > 5_000 && reported > 5_000,
            "{clean} clean, {reported} reported"
        );
    }
}
