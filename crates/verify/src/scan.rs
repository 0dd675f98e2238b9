//! Parallel, order-preserving passes over a bucket's entries.
//!
//! A bucket's leaf pages are listed in key order by walking its branch
//! pages; groups of leaves are then processed on all cores and the partial
//! results combined in order. For CRC-32C this uses CRC combination, so the
//! result equals one sequential stream over the same bytes.

use etcdsnap_bbolt::page::Node;
use etcdsnap_bbolt::stats::for_each_page;
use etcdsnap_bbolt::{Bucket, Db, Entry, Error as BoltError, Root};
use rayon::prelude::*;

/// Leaves per parallel task.
const GROUP: usize = 256;

/// The leaf nodes of `bucket`, in key order.
pub fn leaves<'a>(db: &Db<'a>, bucket: &Bucket<'a>) -> Result<Vec<Node<'a>>, BoltError> {
    match bucket.root {
        Root::Inline(n) => Ok(vec![n]),
        Root::Page(p) => {
            let mut v = Vec::new();
            for_each_page(db, p, &mut |n: &Node<'a>, _, _| {
                if n.is_leaf {
                    v.push(*n);
                }
                Ok(())
            })?;
            Ok(v)
        }
    }
}

/// A CRC-32C over a byte stream in pieces: the CRC of the piece and its length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrcPart {
    /// CRC-32C of the piece, started from 0.
    pub crc: u32,
    /// Bytes in the piece.
    pub len: u64,
}

impl CrcPart {
    /// Appends bytes.
    pub fn update(&mut self, b: &[u8]) {
        self.crc = crc32c::crc32c_append(self.crc, b);
        self.len += b.len() as u64;
    }

    /// The CRC of `self` followed by `next`.
    pub fn then(self, next: CrcPart) -> CrcPart {
        CrcPart {
            crc: crc32c::crc32c_combine(self.crc, next.crc, next.len as usize),
            len: self.len + next.len,
        }
    }
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
    let leaves = leaves(db, bucket)?;
    let parts: Result<Vec<S>, BoltError> = leaves
        .par_chunks(GROUP)
        .map(|group| {
            let mut s = init();
            for n in group {
                for i in 0..n.count {
                    f(&mut s, &n.leaf(i)?);
                }
            }
            Ok(s)
        })
        .collect();
    Ok(parts?.into_iter().fold(init(), merge))
}
