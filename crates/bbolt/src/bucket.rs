//! Buckets and cursors over them.
//!
//! A bucket value in a leaf is `{root pgid u64, sequence u64}` followed,
//! when `root == 0`, by the page image of an inline bucket. Cursors walk a
//! bucket's B+tree with an explicit stack; a depth cap and a page-visit
//! budget (the file's page count) bound the work on cyclic or shared
//! pages, so iteration always ends.

use std::cmp::Ordering;

use crate::db::Db;
use crate::layout::{u64_at, BUCKET_HEADER_SIZE};
use crate::page::{LeafElem, Node};
use crate::{Error, PageId};

/// Deepest B+tree a cursor descends before it reports damage.
pub const MAX_TREE_DEPTH: usize = 64;

/// Where a bucket's tree lives.
#[derive(Debug, Clone, Copy)]
pub enum Root<'a> {
    /// A tree of pages starting at this page.
    Page(PageId),
    /// An inline bucket: a leaf page image inside the parent's value.
    Inline(Node<'a>),
}

/// A bucket: its root and sequence.
#[derive(Debug, Clone, Copy)]
pub struct Bucket<'a> {
    /// Where the tree lives.
    pub root: Root<'a>,
    /// The bucket's sequence counter.
    pub sequence: u64,
}

/// One entry of a bucket.
pub type Entry<'a> = LeafElem<'a>;

impl<'a> Bucket<'a> {
    /// A bucket whose tree starts at page `root`.
    pub fn paged(root: PageId, sequence: u64) -> Self {
        Self {
            root: Root::Page(root),
            sequence,
        }
    }

    /// Decodes a bucket value found at page `page` of `db`.
    pub fn from_value(db: &Db<'a>, page: PageId, value: &'a [u8]) -> Result<Self, Error> {
        let off = db.offset_of(value);
        let root = u64_at(value, 0);
        let seq = u64_at(value, 8);
        let (Some(root), Some(sequence)) = (root, seq) else {
            return Err(Error::corrupt(
                page,
                off,
                format!(
                    "bucket value is {} bytes, shorter than the {BUCKET_HEADER_SIZE}-byte bucket header",
                    value.len()
                ),
            ));
        };
        if root != 0 {
            return Ok(Self::paged(PageId(root), sequence));
        }
        let img = value.get(BUCKET_HEADER_SIZE..).unwrap_or(&[]);
        let node = Node::inline(page, off + BUCKET_HEADER_SIZE as u64, img)?;
        Ok(Self {
            root: Root::Inline(node),
            sequence,
        })
    }

    /// True when the bucket is stored inline in its parent.
    pub fn is_inline(&self) -> bool {
        matches!(self.root, Root::Inline(_))
    }

    /// The root page id (0 for an inline bucket, as bbolt reports it).
    pub fn root_page(&self) -> PageId {
        match self.root {
            Root::Page(p) => p,
            Root::Inline(_) => PageId(0),
        }
    }

    /// A cursor over this bucket.
    pub fn cursor<'d>(&self, db: &'d Db<'a>) -> Cursor<'a, 'd> {
        Cursor::new(db, *self)
    }

    /// Iterates over every entry; stops after the first error.
    pub fn iter<'d>(&self, db: &'d Db<'a>) -> Iter<'a, 'd> {
        Iter {
            cursor: self.cursor(db),
            started: false,
            done: false,
            prev: None,
        }
    }

    /// Looks `key` up; returns the entry when it exists.
    pub fn get(&self, db: &Db<'a>, key: &[u8]) -> Result<Option<Entry<'a>>, Error> {
        let mut c = self.cursor(db);
        match c.seek(key)? {
            Some(e) if e.key == key => Ok(Some(e)),
            _ => Ok(None),
        }
    }

    /// The sub-bucket `name`, if it exists. A plain key of that name is an error.
    pub fn sub_bucket(&self, db: &Db<'a>, name: &[u8]) -> Result<Option<Bucket<'a>>, Error> {
        let mut c = self.cursor(db);
        match c.seek(name)? {
            Some(e) if e.key == name => {
                if !e.is_bucket() {
                    return Err(Error::WrongKind(format!(
                        "{} is a key, not a bucket",
                        String::from_utf8_lossy(name)
                    )));
                }
                let page = c.current_page().unwrap_or(PageId(0));
                Ok(Some(Bucket::from_value(db, page, e.value)?))
            }
            _ => Ok(None),
        }
    }
}

/// A position in a bucket's tree.
#[derive(Debug)]
pub struct Cursor<'a, 'd> {
    db: &'d Db<'a>,
    bucket: Bucket<'a>,
    stack: Vec<(Node<'a>, usize)>,
    loads: u64,
}

impl<'a, 'd> Cursor<'a, 'd> {
    fn new(db: &'d Db<'a>, bucket: Bucket<'a>) -> Self {
        Self {
            db,
            bucket,
            stack: Vec::new(),
            loads: 0,
        }
    }

    /// Page holding the current entry.
    pub fn current_page(&self) -> Option<PageId> {
        self.stack.last().map(|(n, _)| n.page)
    }

    fn load(&mut self, id: PageId) -> Result<Node<'a>, Error> {
        self.loads += 1;
        if self.loads > self.db.file_pages().saturating_add(2) {
            return Err(Error::corrupt(
                id,
                id.0.saturating_mul(self.db.page_size() as u64),
                "the tree visits more pages than the file holds: pages are shared or form a cycle",
            ));
        }
        if self.stack.len() >= MAX_TREE_DEPTH {
            return Err(Error::corrupt(
                id,
                id.0.saturating_mul(self.db.page_size() as u64),
                format!("tree deeper than {MAX_TREE_DEPTH} levels: the branch pages form a cycle"),
            ));
        }
        self.db.node(id)
    }

    fn root_node(&mut self) -> Result<Node<'a>, Error> {
        match self.bucket.root {
            Root::Page(p) => self.load(p),
            Root::Inline(n) => Ok(n),
        }
    }

    /// Descends from the top of the stack to the leftmost leaf.
    fn descend_first(&mut self) -> Result<(), Error> {
        loop {
            let Some((node, idx)) = self.stack.last().copied() else {
                return Ok(());
            };
            if node.is_leaf {
                return Ok(());
            }
            if node.count == 0 {
                return Err(Error::corrupt(
                    node.page,
                    node.offset + 10,
                    "branch page has no elements",
                ));
            }
            let child = node.branch(idx)?.child;
            let n = self.load(child)?;
            self.stack.push((n, 0));
        }
    }

    fn current(&self) -> Result<Option<Entry<'a>>, Error> {
        match self.stack.last() {
            Some((n, i)) if *i < n.count => Ok(Some(n.leaf(*i)?)),
            _ => Ok(None),
        }
    }

    /// Moves to the first entry.
    pub fn first(&mut self) -> Result<Option<Entry<'a>>, Error> {
        self.stack.clear();
        let root = self.root_node()?;
        self.stack.push((root, 0));
        self.descend_first()?;
        match self.stack.last() {
            Some((n, _)) if n.count == 0 => self.next(),
            _ => self.current(),
        }
    }

    /// Moves to the next entry.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Entry<'a>>, Error> {
        loop {
            let Some((node, idx)) = self.stack.pop() else {
                return Ok(None);
            };
            let next = idx + 1;
            if next < node.count {
                self.stack.push((node, next));
                self.descend_first()?;
                if let Some((n, _)) = self.stack.last() {
                    if n.count == 0 {
                        continue;
                    }
                }
                return self.current();
            }
        }
    }

    /// Moves to the first entry whose key is `>= key`.
    pub fn seek(&mut self, key: &[u8]) -> Result<Option<Entry<'a>>, Error> {
        self.stack.clear();
        let mut node = self.root_node()?;
        loop {
            if node.is_leaf {
                let idx = lower_bound(&node, key)?;
                self.stack.push((node, idx));
                if idx >= node.count {
                    return self.next();
                }
                return self.current();
            }
            if node.count == 0 {
                return Err(Error::corrupt(
                    node.page,
                    node.offset + 10,
                    "branch page has no elements",
                ));
            }
            // Last element whose key is <= key (or the first one).
            let idx = lower_bound(&node, key)?;
            let idx = if idx < node.count && node.key(idx)? == key {
                idx
            } else {
                idx.saturating_sub(1)
            };
            self.stack.push((node, idx));
            let child = node.branch(idx)?.child;
            node = self.load(child)?;
        }
    }
}

/// First index whose key is `>= key` (binary search; elements are sorted).
fn lower_bound(node: &Node<'_>, key: &[u8]) -> Result<usize, Error> {
    let (mut lo, mut hi) = (0usize, node.count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match node.key(mid)?.cmp(key) {
            Ordering::Less => lo = mid + 1,
            _ => hi = mid,
        }
    }
    Ok(lo)
}

/// Iterator over a bucket's entries; yields the first error and then ends.
#[derive(Debug)]
pub struct Iter<'a, 'd> {
    cursor: Cursor<'a, 'd>,
    started: bool,
    done: bool,
    prev: Option<&'a [u8]>,
}

impl<'a> Iter<'a, '_> {
    /// Page holding the entry last returned.
    pub fn current_page(&self) -> Option<PageId> {
        self.cursor.current_page()
    }
}

impl<'a> Iterator for Iter<'a, '_> {
    type Item = Result<Entry<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = if self.started {
            self.cursor.next()
        } else {
            self.started = true;
            self.cursor.first()
        };
        match r {
            Ok(Some(e)) => {
                // Keys must ascend strictly, across pages too: a tree whose
                // keys do not is damaged, and reading on would give entries
                // twice or hide others.
                if let Some(prev) = self.prev.filter(|p| *p >= e.key) {
                    self.done = true;
                    let (page, offset) = match self.cursor.stack.last() {
                        Some((n, i)) => (n.page, n.element_offset(*i)),
                        None => (PageId(0), 0),
                    };
                    return Some(Err(Error::corrupt(
                        page,
                        offset,
                        format!(
                            "keys out of order: key {} does not sort after the key before it, {}",
                            crate::check::show_key(e.key),
                            crate::check::show_key(prev)
                        ),
                    )));
                }
                self.prev = Some(e.key);
                Some(Ok(e))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
