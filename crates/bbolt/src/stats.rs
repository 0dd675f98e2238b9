//! Per-bucket statistics, computed the way bbolt's `Bucket.Stats()` does,
//! and the page listing of `bbolt pages`.

use serde::Serialize;

use crate::bucket::{Bucket, Root, MAX_TREE_DEPTH};
use crate::db::Db;
use crate::layout::{self, ELEMENT_SIZE, PAGE_HEADER_SIZE};
use crate::page::Node;
use crate::{Error, PageId};

/// bbolt's `BucketStats`, field for field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BucketStats {
    /// Logical branch pages.
    pub branch_page_n: u64,
    /// Physical branch overflow pages.
    pub branch_overflow_n: u64,
    /// Logical leaf pages.
    pub leaf_page_n: u64,
    /// Physical leaf overflow pages.
    pub leaf_overflow_n: u64,
    /// Key/value pairs (sub-bucket entries included).
    pub key_n: u64,
    /// Levels of the B+tree, nested buckets added.
    pub depth: u64,
    /// Bytes allocated for branch pages.
    pub branch_alloc: u64,
    /// Bytes used for branch data.
    pub branch_inuse: u64,
    /// Bytes allocated for leaf pages.
    pub leaf_alloc: u64,
    /// Bytes used for leaf data.
    pub leaf_inuse: u64,
    /// Buckets, this one included.
    pub bucket_n: u64,
    /// Inline buckets.
    pub inline_bucket_n: u64,
    /// Bytes used by inline buckets.
    pub inline_bucket_inuse: u64,
}

impl BucketStats {
    /// Adds `o` to `self` as bbolt's `BucketStats.Add` does (depth is a max).
    pub fn add(&mut self, o: &BucketStats) {
        self.branch_page_n += o.branch_page_n;
        self.branch_overflow_n += o.branch_overflow_n;
        self.leaf_page_n += o.leaf_page_n;
        self.leaf_overflow_n += o.leaf_overflow_n;
        self.key_n += o.key_n;
        self.depth = self.depth.max(o.depth);
        self.branch_alloc += o.branch_alloc;
        self.branch_inuse += o.branch_inuse;
        self.leaf_alloc += o.leaf_alloc;
        self.leaf_inuse += o.leaf_inuse;
        self.bucket_n += o.bucket_n;
        self.inline_bucket_n += o.inline_bucket_n;
        self.inline_bucket_inuse += o.inline_bucket_inuse;
    }
}

/// Bytes a node uses as bbolt counts them: header, element headers but the
/// last one, plus the last element's `pos + ksize (+ vsize)`.
fn used(node: &Node<'_>) -> Result<u64, Error> {
    let mut used = PAGE_HEADER_SIZE as u64;
    if node.count == 0 {
        return Ok(used);
    }
    let last = node.count - 1;
    used += (ELEMENT_SIZE * last) as u64;
    let eoff = PAGE_HEADER_SIZE + ELEMENT_SIZE * last;
    let r = |o| layout::u32_at(node.bytes, eoff + o).unwrap_or(0) as u64;
    if node.is_leaf {
        used += r(4) + r(8) + r(12);
    } else {
        used += r(0) + r(4);
    }
    Ok(used)
}

/// Statistics of `bucket` and everything nested in it.
pub fn bucket_stats(db: &Db<'_>, bucket: &Bucket<'_>) -> Result<BucketStats, Error> {
    bucket_stats_at(db, bucket, 0)
}

fn bucket_stats_at(db: &Db<'_>, bucket: &Bucket<'_>, nest: usize) -> Result<BucketStats, Error> {
    if nest > MAX_TREE_DEPTH {
        return Err(Error::corrupt(
            bucket.root_page(),
            0,
            format!("buckets nested deeper than {MAX_TREE_DEPTH} levels"),
        ));
    }
    let mut s = BucketStats {
        bucket_n: 1,
        ..Default::default()
    };
    let mut sub = BucketStats::default();
    let inline = bucket.is_inline();
    if inline {
        s.inline_bucket_n = 1;
    }
    let mut visit = |node: &Node<'_>, overflow: u64, depth: u64| -> Result<(), Error> {
        let u = used(node)?;
        if node.is_leaf {
            s.key_n += node.count as u64;
            if inline {
                s.inline_bucket_inuse += u;
            } else {
                s.leaf_page_n += 1;
                s.leaf_inuse += u;
                s.leaf_overflow_n += overflow;
                for i in 0..node.count {
                    let e = node.leaf(i)?;
                    if e.is_bucket() {
                        let child = Bucket::from_value(db, node.page, e.value)?;
                        sub.add(&bucket_stats_at(db, &child, nest + 1)?);
                    }
                }
            }
        } else {
            s.branch_page_n += 1;
            s.branch_inuse += u;
            s.branch_overflow_n += overflow;
        }
        s.depth = s.depth.max(depth + 1);
        Ok(())
    };
    match bucket.root {
        Root::Inline(n) => visit(&n, 0, 0)?,
        Root::Page(p) => for_each_page(db, p, &mut visit)?,
    }
    let ps = db.page_size() as u64;
    s.branch_alloc = (s.branch_page_n + s.branch_overflow_n) * ps;
    s.leaf_alloc = (s.leaf_page_n + s.leaf_overflow_n) * ps;
    s.depth += sub.depth;
    s.add(&sub);
    Ok(s)
}

/// Visits every page of the tree at `root` in depth-first order with its
/// depth (0 for the root), as bbolt's `forEachPage`. Bounded: each page at
/// most once per call and at most [`MAX_TREE_DEPTH`] levels.
pub fn for_each_page<'a>(
    db: &Db<'a>,
    root: PageId,
    f: &mut dyn FnMut(&Node<'a>, u64, u64) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut budget = db.file_pages().saturating_add(1);
    let mut stack: Vec<(PageId, u64)> = vec![(root, 0)];
    while let Some((id, depth)) = stack.pop() {
        if depth as usize >= MAX_TREE_DEPTH || budget == 0 {
            return Err(Error::corrupt(
                id,
                id.0.saturating_mul(db.page_size() as u64),
                "the tree is deeper than any bbolt writes or visits more pages than the file holds: pages are shared or form a cycle",
            ));
        }
        budget -= 1;
        let page = db.page(id)?;
        let node = Node::from_page(&page)?;
        f(&node, u64::from(page.header.overflow), depth)?;
        if !node.is_leaf {
            for i in (0..node.count).rev() {
                stack.push((node.branch(i)?.child, depth + 1));
            }
        }
    }
    Ok(())
}

/// Aggregate statistics over the top-level buckets whose names start with
/// `prefix`, as `bbolt stats` prints them. Returns the bucket count too.
pub fn aggregate(db: &Db<'_>, prefix: &[u8]) -> Result<(u64, BucketStats), Error> {
    let mut total = BucketStats::default();
    let mut n = 0;
    let root = db.root_bucket();
    let mut it = root.iter(db);
    while let Some(e) = it.next() {
        let e = e?;
        if !e.is_bucket() || !e.key.starts_with(prefix) {
            continue;
        }
        let page = it.current_page().unwrap_or(PageId(0));
        let b = Bucket::from_value(db, page, e.value)?;
        total.add(&bucket_stats(db, &b)?);
        n += 1;
    }
    Ok((n, total))
}

/// One row of `bbolt pages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageInfo {
    /// Page id.
    pub id: u64,
    /// `meta`, `freelist`, `branch`, `leaf`, `free` or `unknown<xx>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Element count (none for free pages).
    pub count: Option<u64>,
    /// Overflow pages (none for free pages).
    pub overflow: Option<u64>,
}

/// The free page ids: the freelist's, or, when the freelist is not synced,
/// every page in `[2, hwm)` not reachable from the root.
pub fn free_pages(db: &Db<'_>) -> Result<Vec<u64>, Error> {
    if let Some(ids) = crate::freelist::of_db(db)? {
        let mut v: Vec<u64> = ids.iter().map(|p| p.0).collect();
        v.sort_unstable();
        v.dedup();
        return Ok(v);
    }
    let report = crate::check::check(db.file());
    if let Some(p) = report.problems.first() {
        return Err(Error::corrupt(
            PageId(p.page.unwrap_or(0)),
            p.offset.unwrap_or(0),
            format!(
                "cannot derive the free pages of a damaged file: {}",
                p.message
            ),
        ));
    }
    let hwm = db.hwm().0.min(db.file_pages());
    let mut reach = vec![false; hwm as usize];
    mark_reachable(db, &mut reach)?;
    Ok((2..hwm)
        .filter(|i| !reach.get(*i as usize).copied().unwrap_or(true))
        .collect())
}

fn mark_reachable(db: &Db<'_>, reach: &mut [bool]) -> Result<(), Error> {
    let mut mark = |id: u64, n: u64| {
        for i in id..=id.saturating_add(n) {
            if let Some(r) = reach.get_mut(i as usize) {
                *r = true;
            }
        }
    };
    mark(0, 1);
    let mut buckets = vec![db.root_bucket().root_page()];
    while let Some(root) = buckets.pop() {
        let mut children = Vec::new();
        for_each_page(db, root, &mut |node, overflow, _| {
            mark(node.page.0, overflow);
            if node.is_leaf {
                for i in 0..node.count {
                    let e = node.leaf(i)?;
                    if e.is_bucket() {
                        let b = Bucket::from_value(db, node.page, e.value)?;
                        if let Root::Page(p) = b.root {
                            children.push(p);
                        }
                    }
                }
            }
            Ok(())
        })?;
        buckets.extend(children);
    }
    Ok(())
}

/// The rows `bbolt pages` prints: every page below the high-water mark,
/// skipping the overflow pages of non-free pages.
pub fn pages(db: &Db<'_>) -> Result<Vec<PageInfo>, Error> {
    let free = free_pages(db)?;
    let hwm = db.hwm().0;
    let mut rows = Vec::new();
    let mut id = 0u64;
    while id < hwm {
        if free.binary_search(&id).is_ok() {
            rows.push(PageInfo {
                id,
                kind: "free".into(),
                count: None,
                overflow: None,
            });
            id += 1;
            continue;
        }
        let h = db.header(PageId(id))?;
        rows.push(PageInfo {
            id,
            kind: h.type_name(),
            count: Some(u64::from(h.count)),
            overflow: Some(u64::from(h.overflow)),
        });
        id += 1 + u64::from(h.overflow);
    }
    Ok(rows)
}
