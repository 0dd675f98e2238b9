//! Damaged variants of a real bbolt file, named after their defect, each
//! with the diagnosis the checker must give. Used by the damaged-file tests
//! of every crate and by the corruption matrix; never by the tools.

use etcdsnap_bbolt::bucket::Root;
use etcdsnap_bbolt::check::ProblemKind;
use etcdsnap_bbolt::db::Db;
use etcdsnap_bbolt::layout::{self, ELEMENT_SIZE, PAGE_HEADER_SIZE};
use etcdsnap_bbolt::page::Node;
use etcdsnap_bbolt::stats::for_each_page;
use etcdsnap_bbolt::{freelist, Bucket, PageId};

/// One damaged file.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Name of the defect.
    pub name: &'static str,
    /// The damaged file.
    pub bytes: Vec<u8>,
    /// The problem kind the checker must report.
    pub expect: ProblemKind,
    /// The page that problem names (None: the problem names no page).
    pub page: Option<u64>,
    /// The byte offset that problem names (None: it names none).
    pub offset: Option<u64>,
}

fn put(f: &mut [u8], off: usize, bytes: &[u8]) -> Option<()> {
    f.get_mut(off..off.checked_add(bytes.len())?)?
        .copy_from_slice(bytes);
    Some(())
}

/// A bucket tree with a branch root: (root branch page, its leaf pages).
fn branch_tree(db: &Db<'_>) -> Option<(u64, Vec<u64>)> {
    let root = db.root_bucket();
    for e in root.iter(db) {
        let e = e.ok()?;
        if !e.is_bucket() {
            continue;
        }
        let Ok(b) = Bucket::from_value(db, PageId(0), e.value) else {
            continue;
        };
        let Root::Page(p) = b.root else {
            continue;
        };
        if db.is_leaf(p) {
            continue;
        }
        let mut leaves = Vec::new();
        for_each_page(db, p, &mut |n: &Node<'_>, _, _| {
            if n.is_leaf {
                leaves.push(n.page.0);
            }
            Ok(())
        })
        .ok()?;
        if leaves.len() >= 2 {
            return Some((p.0, leaves));
        }
    }
    None
}

/// The leftmost leaf under the branch page `root` and the absolute offset
/// of the child field (in its parent branch's element 0) that points at it.
fn leftmost_leaf(db: &Db<'_>, root: u64) -> Option<(u64, usize)> {
    let ps = db.page_size();
    let (mut page, mut field) = (root, None);
    for _ in 0..64 {
        let n = db.node(PageId(page)).ok()?;
        if n.is_leaf {
            return Some((page, field?));
        }
        field = Some(usize::try_from(page).ok()? * ps + PAGE_HEADER_SIZE + 8);
        page = n.branch(0).ok()?.child.0;
    }
    None
}

/// The absolute offset of the value of the first top-level bucket other
/// than the one rooted at `root`.
fn other_bucket_value(db: &Db<'_>, root: u64) -> Option<usize> {
    let top = db.root_bucket();
    for e in top.iter(db) {
        let e = e.ok()?;
        let Ok(b) = Bucket::from_value(db, PageId(0), e.value) else {
            continue;
        };
        if !matches!(b.root, Root::Page(p) if p.0 == root) {
            return usize::try_from(db.offset_of(e.value)).ok();
        }
    }
    None
}

/// An inline bucket value anywhere among the top-level buckets' entries:
/// the absolute offset of its page image.
fn inline_image(db: &Db<'_>) -> Option<usize> {
    let root = db.root_bucket();
    for e in root.iter(db) {
        let e = e.ok()?;
        let b = Bucket::from_value(db, PageId(0), e.value).ok()?;
        if b.is_inline() {
            return usize::try_from(db.offset_of(e.value)).ok()?.checked_add(16);
        }
        for c in b.iter(db) {
            let c = c.ok()?;
            if c.is_bucket() && Bucket::from_value(db, PageId(0), c.value).ok()?.is_inline() {
                return usize::try_from(db.offset_of(c.value)).ok()?.checked_add(16);
            }
        }
    }
    None
}

/// Every variant that can be made from `base` (a clean file with a bucket
/// whose tree has a branch root, a synced freelist of two or more ids, and an
/// inline bucket gives all of them).
pub fn variants(base: &[u8]) -> Vec<Variant> {
    let mut out = Vec::new();
    let Ok(db) = Db::open(base) else {
        return out;
    };
    let ps = db.page_size();
    let newer = db.meta().index as usize;
    let hwm = db.hwm().0;
    let mut add =
        |name, bytes: Option<Vec<u8>>, expect, page: Option<u64>, offset: Option<usize>| {
            if let Some(bytes) = bytes {
                out.push(Variant {
                    name,
                    bytes,
                    expect,
                    page,
                    offset: offset.map(|o| o as u64),
                });
            }
        };
    let edit = |f: &dyn Fn(&mut Vec<u8>) -> Option<()>| {
        let mut v = base.to_vec();
        f(&mut v).map(|()| v)
    };
    let meta_sum = newer * ps + layout::meta_off::CHECKSUM;
    add(
        "newer-meta-bad-checksum",
        edit(&|f| put(f, meta_sum, &[0xde, 0xad])),
        ProblemKind::MetaInvalid,
        Some(newer as u64),
        Some(newer * ps),
    );
    add(
        "both-metas-bad-checksum",
        edit(&|f| {
            put(f, layout::meta_off::CHECKSUM, &[0xde, 0xad])?;
            put(f, ps + layout::meta_off::CHECKSUM, &[0xde, 0xad])
        }),
        ProblemKind::MetaInvalid,
        Some(0),
        Some(0),
    );
    let half = (hwm as usize / 2).max(2);
    add(
        "truncated-at-half",
        base.get(..half * ps + 100).map(<[u8]>::to_vec),
        ProblemKind::Truncated,
        Some(half as u64),
        Some(half * ps),
    );
    // Meta page 0 whole, meta page 1 cut in half: page 1 is the first
    // missing page.
    add(
        "truncated-inside-meta",
        base.get(..ps + ps / 2).map(<[u8]>::to_vec),
        ProblemKind::Truncated,
        Some(1),
        Some(ps),
    );
    let last = (hwm as usize).saturating_sub(1).max(2);
    add(
        "truncated-before-last-page",
        base.get(..last * ps).map(<[u8]>::to_vec),
        ProblemKind::Truncated,
        Some(last as u64),
        Some(last * ps),
    );
    if let Some((root, leaves)) = branch_tree(&db) {
        let root_off = root as usize * ps;
        let leaf = leaves.first().copied().unwrap_or(0);
        let leaf_off = leaf as usize * ps;
        let count = layout::u16_at(base, root_off + 10).unwrap_or(1).max(1) as usize;
        let last_child = root_off + PAGE_HEADER_SIZE + (count - 1) * ELEMENT_SIZE + 8;
        add(
            "zeroed-leaf-page",
            edit(&|f| put(f, leaf_off, &vec![0u8; ps])),
            ProblemKind::PageIdMismatch,
            Some(leaf),
            Some(leaf_off),
        );
        add(
            "branch-cycle",
            edit(&|f| put(f, last_child, &root.to_le_bytes())),
            ProblemKind::Cycle,
            Some(root),
            Some(last_child),
        );
        add(
            "branch-child-beyond-end-of-file",
            edit(&|f| {
                put(
                    f,
                    root_off + PAGE_HEADER_SIZE + 8,
                    &(1u64 << 40).to_le_bytes(),
                )
            }),
            ProblemKind::BeyondEndOfFile,
            Some(root),
            Some(root_off + PAGE_HEADER_SIZE + 8),
        );
        let elem1 = leaf_off + PAGE_HEADER_SIZE + ELEMENT_SIZE;
        add(
            "element-offset-past-page",
            edit(&|f| put(f, elem1 + 4, &0x0100_0000u32.to_le_bytes())),
            ProblemKind::ElementOutOfBounds,
            Some(leaf),
            Some(elem1),
        );
        add(
            "leaf-flagged-freelist",
            edit(&|f| put(f, leaf_off + 8, &layout::FLAG_FREELIST.to_le_bytes())),
            ProblemKind::InvalidType,
            Some(leaf),
            Some(leaf_off + 8),
        );
        add(
            "count-larger-than-page",
            edit(&|f| put(f, leaf_off + 10, &0xfff0u16.to_le_bytes())),
            ProblemKind::CountTooLarge,
            Some(leaf),
            Some(leaf_off + 10),
        );
        add(
            "overflow-past-end-of-file",
            edit(&|f| put(f, leaf_off + 12, &1_000_000u32.to_le_bytes())),
            ProblemKind::OverflowPastEndOfFile,
            Some(leaf),
            Some(leaf_off + 12),
        );
        add(
            "branch-page-bad-type",
            edit(&|f| put(f, root_off + 8, &0x0040u16.to_le_bytes())),
            ProblemKind::InvalidType,
            Some(root),
            Some(root_off + 8),
        );
        // Another top-level bucket's root pointed at this tree's leftmost
        // leaf: one page in two buckets. The checker takes each bucket's
        // root from its value before it walks the trees, so the second
        // reference is the branch element that points at the leaf.
        if let (Some(value_off), Some((shared, field))) =
            (other_bucket_value(&db, root), leftmost_leaf(&db, root))
        {
            add(
                "page-shared-across-buckets",
                edit(&|f| put(f, value_off, &shared.to_le_bytes())),
                ProblemKind::MultipleReferences,
                Some(shared),
                Some(field),
            );
        }
        // Element 1 pointed at element 0's key and value: keys out of order.
        let e0 = db.node(PageId(leaf)).ok().and_then(|n| n.leaf(0).ok());
        if let Some(e0) = e0 {
            let k0 = db.offset_of(e0.key) as usize;
            if let Some(pos) = k0.checked_sub(elem1).and_then(|p| u32::try_from(p).ok()) {
                let (ks, vs) = (e0.key.len() as u32, e0.value.len() as u32);
                add(
                    "keys-out-of-order",
                    edit(&|f| {
                        put(f, elem1 + 4, &pos.to_le_bytes())?;
                        put(f, elem1 + 8, &ks.to_le_bytes())?;
                        put(f, elem1 + 12, &vs.to_le_bytes())
                    }),
                    ProblemKind::KeyOrder,
                    Some(leaf),
                    Some(elem1),
                );
            }
        }
    }
    if let Ok(Some(ids)) = freelist::of_db(&db) {
        if ids.count >= 2 {
            let first = ids.get(0).map(|p| p.0).unwrap_or(0);
            let off = ids.offset as usize;
            let fl = db.meta().freelist.0;
            add(
                "freelist-duplicate-id",
                edit(&|f| put(f, off + 8, &first.to_le_bytes())),
                ProblemKind::AlreadyFreed,
                Some(first),
                Some(off + 8),
            );
            add(
                "freelist-id-beyond-high-water-mark",
                edit(&|f| put(f, off + 8, &(hwm + 10).to_le_bytes())),
                ProblemKind::FreedOutOfBounds,
                Some(fl),
                Some(off + 8),
            );
        }
    }
    if let Some(img) = inline_image(&db) {
        // Named by the page that holds the bucket's value.
        add(
            "inline-bucket-garbage",
            edit(&|f| put(f, img + 10, &5000u16.to_le_bytes())),
            ProblemKind::BadInlineBucket,
            Some((img / ps) as u64),
            Some(img + 10),
        );
    }
    out
}
