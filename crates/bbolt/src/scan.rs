//! Parallel, order-preserving passes over a bucket's entries.
//!
//! A bucket's leaf pages are listed in key order by walking its branch
//! pages; groups of leaves are then processed on all cores and the partial
//! results combined in order, so a fold gives what one sequential pass
//! over the same entries gives.

use crate::bucket::MAX_TREE_DEPTH;
use crate::page::Node;
use crate::{Bucket, Db, Entry, Error as BoltError, PageId, Root};
use rayon::prelude::*;

/// Leaves per parallel task.
const GROUP: usize = 256;

/// Where a bucket's leaves are: an inline page, or leaf page ids in key order.
#[derive(Debug)]
pub enum Leaves<'a> {
    /// An inline bucket's page.
    Inline(Node<'a>),
    /// Leaf page ids, in key order.
    Pages(Vec<PageId>),
}

/// The leaves of `bucket`, in key order. Only branch pages are read: in a
/// B+tree all children of a branch have one type, so when a branch's first
/// child is a leaf its children are listed unread (each is validated when
/// it is processed).
pub fn leaves<'a>(db: &Db<'a>, bucket: &Bucket<'a>) -> Result<Leaves<'a>, BoltError> {
    let root = match bucket.root {
        Root::Inline(n) => return Ok(Leaves::Inline(n)),
        Root::Page(p) => p,
    };
    let mut out = Vec::new();
    if db.is_leaf(root) {
        out.push(root);
        return Ok(Leaves::Pages(out));
    }
    let mut budget = db.file_pages().saturating_add(1);
    // Depth-first, children pushed in reverse so they pop in key order.
    let mut stack = vec![(root, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if depth >= MAX_TREE_DEPTH || budget == 0 {
            return Err(BoltError::corrupt(
                id,
                id.0.saturating_mul(db.page_size() as u64),
                "branch pages nest too deep or repeat: shared pages or a cycle",
            ));
        }
        budget -= 1;
        let node = db.node(id)?;
        if node.is_leaf {
            out.push(id);
            continue;
        }
        let first = node.branch(0)?.child;
        if db.is_leaf(first) {
            for i in 0..node.count {
                out.push(node.branch(i)?.child);
            }
        } else {
            for i in (0..node.count).rev() {
                stack.push((node.branch(i)?.child, depth + 1));
            }
        }
    }
    Ok(Leaves::Pages(out))
}

/// Folds `f` over every entry of `bucket` in key order, in parallel over
/// groups of leaves: `init` makes a group's state, `f` feeds it one entry,
/// `merge` joins states left to right.
pub fn fold_entries<'a, S, I, F, M>(
    db: &Db<'a>,
    bucket: &Bucket<'a>,
    init: I,
    f: F,
    merge: M,
) -> Result<S, BoltError>
where
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &Entry<'a>) + Sync,
    M: Fn(S, S) -> S + Sync,
{
    let ids = match leaves(db, bucket)? {
        Leaves::Inline(n) => {
            let mut s = init();
            for i in 0..n.count {
                f(&mut s, &n.leaf(i)?);
            }
            return Ok(s);
        }
        Leaves::Pages(ids) => ids,
    };
    let parts: Result<Vec<S>, BoltError> = ids
        .par_chunks(GROUP)
        .map(|group| {
            let mut s = init();
            for (k, id) in group.iter().enumerate() {
                if let Some(next) = group.get(k + 2) {
                    crate::prefetch::leaf(db, *next);
                }
                let n = db.node(*id)?;
                if !n.is_leaf {
                    return Err(BoltError::corrupt(
                        *id,
                        n.offset + 8,
                        "expected a leaf page where its siblings are leaves",
                    ));
                }
                for i in 0..n.count {
                    f(&mut s, &n.leaf(i)?);
                }
            }
            Ok(s)
        })
        .collect();
    Ok(parts?.into_iter().fold(init(), merge))
}

/// The last key of `bucket` (its greatest), if any.
pub fn last_key<'a>(db: &Db<'a>, bucket: &Bucket<'a>) -> Result<Option<&'a [u8]>, BoltError> {
    let node = match leaves(db, bucket)? {
        Leaves::Inline(n) => n,
        Leaves::Pages(ids) => match ids.last() {
            Some(id) => db.node(*id)?,
            None => return Ok(None),
        },
    };
    if !node.is_leaf {
        return Err(BoltError::corrupt(
            node.page,
            node.offset + 8,
            "a branch page where the tree's last leaf should be: shared pages or a cycle",
        ));
    }
    match node.count.checked_sub(1) {
        Some(i) => Ok(Some(node.leaf(i)?.key)),
        None => Ok(None),
    }
}
