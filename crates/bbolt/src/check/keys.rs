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
    let eoff = node.offset + (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE) as u64;
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
        if key < lo {
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

/// Bytewise key order, deciding on the first eight bytes as one big-endian
/// word when they differ (most keys: etcd's revision keys differ in their
/// first eight bytes), without a call into `memcmp`.
#[inline]
pub(super) fn cmp_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    if let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        let (x, y) = (u64::from_be_bytes(*x), u64::from_be_bytes(*y));
        if x != y {
            return x.cmp(&y);
        }
    }
    a.cmp(b)
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
        let eoff = node.offset + (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE) as u64;
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
