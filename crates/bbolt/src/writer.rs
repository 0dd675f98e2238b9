//! A streaming writer that builds a fresh, compact bbolt file from buckets
//! given in key order: what a restore or an offline defrag writes.
//!
//! Layout of the result:
//!
//! ```text
//! page 0, 1      meta pages (txid t and t+1, same tree)
//! page 2 ..      leaf, overflow and branch pages, in the order they fill
//! page hwm-1     the freelist page (empty: nothing is free)
//! file length    hwm * page_size
//! ```
//!
//! Leaves are filled up to `fill_percent` of a page, with at least two
//! elements each as bbolt splits them (a page holding large elements spans
//! overflow pages); branch levels are
//! built bottom-up as leaves are written, so only the open page of each
//! tree level of each open bucket is held in memory. A bucket without
//! sub-buckets whose single leaf fits in a quarter page is stored inline in
//! its parent's value, as bbolt does; an empty bucket is inline.

use std::io::{Seek, SeekFrom, Write};

use crate::layout::{
    meta_off, BUCKET_HEADER_SIZE, ELEMENT_SIZE, FLAG_BRANCH, FLAG_FREELIST, FLAG_LEAF, FLAG_META,
    LEAF_FLAG_BUCKET, MAGIC, MAX_PAGE_SIZE, MIN_PAGE_SIZE, PAGE_HEADER_SIZE, VERSION,
};

/// bbolt's largest key.
pub const MAX_KEY_SIZE: usize = 32768;
/// bbolt's largest value.
pub const MAX_VALUE_SIZE: usize = (1 << 31) - 2;
/// Most elements a page header can count.
const MAX_COUNT: usize = u16::MAX as usize;
/// Padding source for page tails.
static ZEROS: [u8; 4096] = [0; 4096];

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output could not be written.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
    /// Keys must arrive strictly ascending within a bucket.
    #[error("key {key} is not after the previous key {previous} in bucket {bucket}")]
    Order {
        /// The bucket (names joined with `/`).
        bucket: String,
        /// The previous key.
        previous: String,
        /// The key given.
        key: String,
    },
    /// The key is empty or longer than bbolt allows.
    #[error("key of {0} bytes (bbolt allows 1 to 32768)")]
    KeySize(usize),
    /// The value is longer than bbolt allows.
    #[error("value of {0} bytes is larger than bbolt allows")]
    ValueSize(usize),
    /// `put` or `end_bucket` with no bucket open, or `finish` with one open.
    #[error("{0}")]
    Nesting(&'static str),
    /// Options out of range.
    #[error("{0}")]
    Options(String),
}

/// Options of the writer.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Page size in bytes (a power of two from 512 to 16 MiB).
    pub page_size: usize,
    /// How full to fill pages, clamped to 0.1..=1.0 as bbolt does.
    pub fill_percent: f64,
    /// Transaction id of meta page 0 (meta page 1 gets the next one).
    pub txid: u64,
}

impl Default for WriteOptions {
    /// 4096-byte pages, filled completely (a compact file), txid 1.
    fn default() -> Self {
        WriteOptions {
            page_size: 4096,
            fill_percent: 1.0,
            txid: 1,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct WriteSummary {
    /// Pages in the file (the high-water mark).
    pub pages: u64,
    /// File length in bytes.
    pub file_size: u64,
    /// Root page of the root bucket.
    pub root: u64,
    /// The freelist page.
    pub freelist: u64,
    /// Key/value pairs written (all buckets).
    pub keys: u64,
    /// Buckets written (not counting the root).
    pub buckets: u64,
}

/// The open leaf of a bucket: element headers and their key/value bytes
/// back to back, in buffers reused from page to page.
#[derive(Debug)]
struct Leaf {
    /// (flags, key length, value length) of each element.
    elems: Vec<(u32, u32, u32)>,
    /// Keys and values, in order.
    data: Vec<u8>,
    /// Page size the elements need, header included.
    size: usize,
}

impl Leaf {
    fn new() -> Self {
        Leaf {
            elems: Vec::new(),
            data: Vec::new(),
            size: PAGE_HEADER_SIZE,
        }
    }

    fn push(&mut self, flags: u32, key: &[u8], value: &[u8]) {
        self.elems
            .push((flags, key.len() as u32, value.len() as u32));
        self.data.extend_from_slice(key);
        self.data.extend_from_slice(value);
        self.size += ELEMENT_SIZE + key.len() + value.len();
    }

    fn first_key(&self) -> &[u8] {
        let n = self.elems.first().map_or(0, |e| e.1 as usize);
        self.data.get(..n).unwrap_or(&[])
    }

    fn clear(&mut self) {
        self.elems.clear();
        self.data.clear();
        self.size = PAGE_HEADER_SIZE;
    }

    /// The page image into `buf` (header id 0 and no overflow, for inline
    /// use; the caller sets both for a page).
    /// The page header and element table; the keys and values follow
    /// them as they are in `data`.
    fn head(&self, buf: &mut Vec<u8>) {
        buf.clear();
        buf.resize(PAGE_HEADER_SIZE + self.elems.len() * ELEMENT_SIZE, 0);
        put_u16(buf, 8, FLAG_LEAF);
        put_u16(buf, 10, self.elems.len() as u16);
        let base = buf.len();
        let mut data = base;
        for (i, (flags, klen, vlen)) in self.elems.iter().enumerate() {
            let elem = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
            put_u32(buf, elem, *flags);
            put_u32(buf, elem + 4, (data - elem) as u32);
            put_u32(buf, elem + 8, *klen);
            put_u32(buf, elem + 12, *vlen);
            data += *klen as usize + *vlen as usize;
        }
    }

    /// The whole page image (header, elements, data).
    fn image(&self, buf: &mut Vec<u8>) {
        self.head(buf);
        buf.extend_from_slice(&self.data);
    }
}

/// The open page of one branch level: (first key of child, child page).
#[derive(Debug, Default)]
struct BranchLevel {
    items: Vec<(Vec<u8>, u64)>,
    size: usize,
    flushed: bool,
}

/// An open bucket.
#[derive(Debug)]
struct Open {
    name: Vec<u8>,
    sequence: u64,
    leaf: Leaf,
    leaves_flushed: bool,
    branches: Vec<BranchLevel>,
    last_key: Option<Vec<u8>>,
    has_sub_bucket: bool,
}

impl Open {
    fn new(name: &[u8], sequence: u64) -> Self {
        Open {
            name: name.to_vec(),
            sequence,
            leaf: Leaf::new(),
            leaves_flushed: false,
            branches: Vec::new(),
            last_key: None,
            has_sub_bucket: false,
        }
    }
}

/// Builds a bbolt file; see the module documentation.
#[derive(Debug)]
pub struct Writer<W: Write + Seek> {
    out: W,
    page_size: usize,
    threshold: usize,
    txid: u64,
    next_page: u64,
    stack: Vec<Open>,
    summary: WriteSummary,
    page_buf: Vec<u8>,
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn put_u16(buf: &mut [u8], off: usize, v: u16) {
    if let Some(d) = buf.get_mut(off..off + 2) {
        d.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    if let Some(d) = buf.get_mut(off..off + 4) {
        d.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u64(buf: &mut [u8], off: usize, v: u64) {
    if let Some(d) = buf.get_mut(off..off + 8) {
        d.copy_from_slice(&v.to_le_bytes());
    }
}

fn branch_image(items: &[(Vec<u8>, u64)], size: usize) -> Vec<u8> {
    let mut buf = vec![0u8; size];
    put_u16(&mut buf, 8, FLAG_BRANCH);
    put_u16(&mut buf, 10, items.len() as u16);
    let mut data = PAGE_HEADER_SIZE + items.len() * ELEMENT_SIZE;
    for (i, (key, child)) in items.iter().enumerate() {
        let elem = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
        put_u32(&mut buf, elem, (data - elem) as u32);
        put_u32(&mut buf, elem + 4, key.len() as u32);
        put_u64(&mut buf, elem + 8, *child);
        if let Some(d) = buf.get_mut(data..data + key.len()) {
            d.copy_from_slice(key);
        }
        data += key.len();
    }
    buf
}

impl<W: Write + Seek> Writer<W> {
    /// Starts a file on `out` (which should be empty; it is written from
    /// its start). The root bucket is open: the buckets begun next are
    /// top-level buckets.
    pub fn new(mut out: W, opts: WriteOptions) -> Result<Self, WriteError> {
        let ps = opts.page_size;
        if !ps.is_power_of_two() || ps < MIN_PAGE_SIZE as usize || ps > MAX_PAGE_SIZE as usize {
            return Err(WriteError::Options(format!(
                "page size {ps} is not a power of two from {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}"
            )));
        }
        let fill = if opts.fill_percent.is_nan() {
            1.0
        } else {
            opts.fill_percent.clamp(0.1, 1.0)
        };
        // The meta pages are written last; leave room for them.
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&vec![0u8; 2 * ps])?;
        Ok(Writer {
            out,
            page_size: ps,
            threshold: ((ps as f64) * fill) as usize,
            txid: opts.txid,
            next_page: 2,
            stack: vec![Open::new(b"", 0)],
            summary: WriteSummary::default(),
            page_buf: Vec::new(),
        })
    }

    fn path(&self) -> String {
        let names: Vec<String> = self.stack.iter().skip(1).map(|o| show(&o.name)).collect();
        if names.is_empty() {
            "(root)".into()
        } else {
            names.join("/")
        }
    }

    /// Writes a page image (padded to whole pages) at the next page id.
    fn write_page(&mut self, image: &mut Vec<u8>) -> Result<u64, WriteError> {
        let id = self.next_page;
        let pages = image.len().div_ceil(self.page_size).max(1);
        image.resize(pages * self.page_size, 0);
        put_u64(image, 0, id);
        put_u32(image, 12, (pages - 1) as u32);
        self.out.write_all(image)?;
        self.next_page += pages as u64;
        Ok(id)
    }

    /// Writes a page made of `head` then `body` (padded to whole pages)
    /// at the next page id, without joining them into one image first.
    fn write_page_parts(&mut self, head: &mut [u8], body: &[u8]) -> Result<u64, WriteError> {
        let id = self.next_page;
        let len = head.len() + body.len();
        let pages = len.div_ceil(self.page_size).max(1);
        put_u64(head, 0, id);
        put_u32(head, 12, (pages - 1) as u32);
        self.out.write_all(head)?;
        self.out.write_all(body)?;
        let mut pad = pages * self.page_size - len;
        while pad > 0 {
            let n = pad.min(ZEROS.len());
            self.out.write_all(ZEROS.get(..n).unwrap_or_default())?;
            pad -= n;
        }
        self.next_page += pages as u64;
        Ok(id)
    }

    fn check_order(&mut self, key: &[u8]) -> Result<(), WriteError> {
        if key.is_empty() || key.len() > MAX_KEY_SIZE {
            return Err(WriteError::KeySize(key.len()));
        }
        let in_order = self
            .stack
            .last()
            .ok_or(WriteError::Nesting("no bucket is open"))?
            .last_key
            .as_ref()
            .is_none_or(|prev| key > prev.as_slice());
        if !in_order {
            // The bucket's path is only worth building for the error.
            let previous = self
                .stack
                .last()
                .and_then(|t| t.last_key.as_deref())
                .map(show)
                .unwrap_or_default();
            return Err(WriteError::Order {
                bucket: self.path(),
                previous,
                key: show(key),
            });
        }
        let top = self
            .stack
            .last_mut()
            .ok_or(WriteError::Nesting("no bucket is open"))?;
        // Reuses the buffer: one put, no allocation.
        match &mut top.last_key {
            Some(prev) => {
                prev.clear();
                prev.extend_from_slice(key);
            }
            None => top.last_key = Some(key.to_vec()),
        }
        Ok(())
    }

    /// Adds an element to the open bucket's leaf, writing the leaf out
    /// first when the element would overfill it.
    fn add(&mut self, flags: u32, key: &[u8], value: &[u8]) -> Result<(), WriteError> {
        let size = ELEMENT_SIZE + key.len() + value.len();
        let threshold = self.threshold;
        let full = {
            let top = self
                .stack
                .last()
                .ok_or(WriteError::Nesting("no bucket is open"))?;
            // Like bbolt's split: a page takes at least two elements
            // before it is cut at the fill threshold (fewer pages when
            // values are larger than a page).
            let n = top.leaf.elems.len();
            n >= 2 && (top.leaf.size + size > threshold || n >= MAX_COUNT)
        };
        if full {
            self.flush_leaf()?;
        }
        let top = self
            .stack
            .last_mut()
            .ok_or(WriteError::Nesting("no bucket is open"))?;
        top.leaf.push(flags, key, value);
        Ok(())
    }

    fn flush_leaf(&mut self) -> Result<(), WriteError> {
        let mut buf = std::mem::take(&mut self.page_buf);
        let Some(top) = self.stack.last_mut() else {
            return Err(WriteError::Nesting("no bucket is open"));
        };
        top.leaf.head(&mut buf);
        let first = top.leaf.first_key().to_vec();
        top.leaves_flushed = true;
        // The keys and values go out from the leaf itself: one copy less.
        let data = std::mem::take(&mut top.leaf.data);
        let written = self.write_page_parts(&mut buf, &data);
        self.page_buf = buf;
        let top = self
            .stack
            .last_mut()
            .ok_or(WriteError::Nesting("no bucket is open"))?;
        top.leaf.data = data;
        top.leaf.clear();
        let id = written?;
        self.push_branch(0, first, id)
    }

    /// Adds a child to branch level `level` of the open bucket, writing
    /// that level's page out first when the child would overfill it.
    fn push_branch(&mut self, level: usize, key: Vec<u8>, child: u64) -> Result<(), WriteError> {
        let threshold = self.threshold;
        let size = ELEMENT_SIZE + key.len();
        let full = {
            let top = self
                .stack
                .last_mut()
                .ok_or(WriteError::Nesting("no bucket is open"))?;
            while top.branches.len() <= level {
                top.branches.push(BranchLevel {
                    size: PAGE_HEADER_SIZE,
                    ..BranchLevel::default()
                });
            }
            top.branches.get(level).is_some_and(|b| {
                // At least two children per branch page (bbolt's
                // minKeysPerPage), so every level is smaller than the one
                // below and the tree has a root even with huge keys.
                b.items.len() >= 2 && (b.size + size > threshold || b.items.len() >= MAX_COUNT)
            })
        };
        if full {
            self.flush_branch(level)?;
        }
        let top = self
            .stack
            .last_mut()
            .ok_or(WriteError::Nesting("no bucket is open"))?;
        if let Some(b) = top.branches.get_mut(level) {
            b.size += size;
            b.items.push((key, child));
        }
        Ok(())
    }

    fn flush_branch(&mut self, level: usize) -> Result<(), WriteError> {
        let top = self
            .stack
            .last_mut()
            .ok_or(WriteError::Nesting("no bucket is open"))?;
        let Some(b) = top.branches.get_mut(level) else {
            return Ok(());
        };
        let items = std::mem::take(&mut b.items);
        let size = std::mem::replace(&mut b.size, PAGE_HEADER_SIZE);
        b.flushed = true;
        let first = items.first().map(|i| i.0.clone()).unwrap_or_default();
        let id = self.write_page(&mut branch_image(&items, size))?;
        self.push_branch(level + 1, first, id)
    }

    /// Finishes the open bucket's tree; returns its root page, or the
    /// inline page image when it is stored inline.
    fn close_tree(&mut self, may_inline: bool) -> Result<Result<u64, Vec<u8>>, WriteError> {
        let page_size = self.page_size;
        let top = self
            .stack
            .last()
            .ok_or(WriteError::Nesting("no bucket is open"))?;
        if !top.leaves_flushed {
            let mut image = Vec::with_capacity(top.leaf.size);
            top.leaf.image(&mut image);
            if may_inline && !top.has_sub_bucket && top.leaf.size <= page_size / 4 {
                return Ok(Err(image));
            }
            return Ok(Ok(self.write_page(&mut image)?));
        }
        if !top.leaf.elems.is_empty() {
            self.flush_leaf()?;
        }
        let mut level = 0;
        loop {
            let top = self
                .stack
                .last()
                .ok_or(WriteError::Nesting("no bucket is open"))?;
            let Some(b) = top.branches.get(level) else {
                return Err(WriteError::Nesting("internal: missing branch level"));
            };
            if !b.flushed && b.items.len() == 1 {
                return Ok(Ok(b.items.first().map_or(0, |i| i.1)));
            }
            self.flush_branch(level)?;
            level += 1;
        }
    }

    /// Opens the sub-bucket `name` (with its `sequence`) in the open bucket.
    pub fn begin_bucket(&mut self, name: &[u8], sequence: u64) -> Result<(), WriteError> {
        self.check_order(name)?;
        if let Some(top) = self.stack.last_mut() {
            top.has_sub_bucket = true;
        }
        self.stack.push(Open::new(name, sequence));
        Ok(())
    }

    /// Puts `key` = `value` into the open bucket.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), WriteError> {
        if self.stack.len() < 2 {
            return Err(WriteError::Nesting(
                "put with no bucket open (the root bucket holds only buckets)",
            ));
        }
        if value.len() > MAX_VALUE_SIZE {
            return Err(WriteError::ValueSize(value.len()));
        }
        self.check_order(key)?;
        self.summary.keys += 1;
        self.add(0, key, value)
    }

    /// Closes the open bucket and adds it to its parent.
    pub fn end_bucket(&mut self) -> Result<(), WriteError> {
        if self.stack.len() < 2 {
            return Err(WriteError::Nesting("end_bucket with no bucket open"));
        }
        let root = self.close_tree(true)?;
        let Some(open) = self.stack.pop() else {
            return Err(WriteError::Nesting("end_bucket with no bucket open"));
        };
        let mut value = vec![0u8; BUCKET_HEADER_SIZE];
        put_u64(&mut value, 8, open.sequence);
        match root {
            Ok(page) => put_u64(&mut value, 0, page),
            Err(inline) => value.extend_from_slice(&inline),
        }
        self.summary.buckets += 1;
        self.add(LEAF_FLAG_BUCKET, &open.name, &value)
    }

    /// Writes the root bucket's tree, the freelist and both meta pages, and
    /// flushes. Does not fsync: the caller owns the file.
    pub fn finish(mut self) -> Result<WriteSummary, WriteError> {
        if self.stack.len() != 1 {
            return Err(WriteError::Nesting("finish with a bucket still open"));
        }
        let root = match self.close_tree(false)? {
            Ok(p) => p,
            Err(_) => return Err(WriteError::Nesting("internal: root bucket inlined")),
        };
        let mut free = vec![0u8; PAGE_HEADER_SIZE];
        put_u16(&mut free, 8, FLAG_FREELIST);
        let freelist = self.write_page(&mut free)?;
        let hwm = self.next_page;
        let ps = self.page_size;
        for i in 0..2u64 {
            let mut page = vec![0u8; ps];
            put_u64(&mut page, 0, i);
            put_u16(&mut page, 8, FLAG_META);
            put_u32(&mut page, meta_off::MAGIC, MAGIC);
            put_u32(&mut page, meta_off::VERSION, VERSION);
            put_u32(&mut page, meta_off::PAGE_SIZE, ps as u32);
            put_u64(&mut page, meta_off::ROOT, root);
            put_u64(&mut page, meta_off::FREELIST, freelist);
            put_u64(&mut page, meta_off::PGID, hwm);
            put_u64(&mut page, meta_off::TXID, self.txid + i);
            let mut h = fnv::FnvHasher::default();
            std::hash::Hasher::write(
                &mut h,
                page.get(meta_off::MAGIC..meta_off::CHECKSUM).unwrap_or(&[]),
            );
            put_u64(&mut page, meta_off::CHECKSUM, std::hash::Hasher::finish(&h));
            self.out.seek(SeekFrom::Start(i * ps as u64))?;
            self.out.write_all(&page)?;
        }
        self.out.seek(SeekFrom::Start(hwm * ps as u64))?;
        self.out.flush()?;
        self.summary.pages = hwm;
        self.summary.file_size = hwm * ps as u64;
        self.summary.root = root;
        self.summary.freelist = freelist;
        Ok(self.summary)
    }
}

/// Copies every entry of `src` (sub-buckets recursively, sequences kept)
/// into the bucket open in `w`. Nesting deeper than `max_depth` is refused.
pub fn copy_contents<W: Write + Seek>(
    w: &mut Writer<W>,
    db: &crate::Db<'_>,
    src: &crate::Bucket<'_>,
    max_depth: usize,
) -> Result<(), CopyError> {
    let mut iter = src.iter(db);
    while let Some(e) = iter.next().transpose()? {
        if e.is_bucket() {
            if max_depth == 0 {
                return Err(CopyError::TooDeep);
            }
            let page = iter.current_page().unwrap_or_default();
            let sub = crate::Bucket::from_value(db, page, e.value)?;
            w.begin_bucket(e.key, sub.sequence)?;
            copy_contents(w, db, &sub, max_depth - 1)?;
            w.end_bucket()?;
        } else {
            w.put(e.key, e.value)?;
        }
    }
    Ok(())
}

/// Why a copy failed: reading the source or writing the copy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The source could not be read.
    #[error(transparent)]
    Read(#[from] crate::Error),
    /// The copy could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// Buckets nested too deep.
    #[error("buckets nested too deep")]
    TooDeep,
    /// The source's shape does not allow the copy or its edits (a plain
    /// key in the root bucket, an edit naming a nested bucket).
    #[error("{0}")]
    Shape(String),
}

/// A compact copy of the whole of `db` into `out`.
pub fn compact<W: Write + Seek>(
    db: &crate::Db<'_>,
    out: W,
    opts: WriteOptions,
) -> Result<WriteSummary, CopyError> {
    let mut w = Writer::new(out, opts)?;
    copy_root(&mut w, db)?;
    Ok(w.finish()?)
}

/// Copies every top-level bucket of `db` into `w`.
fn copy_root<W: Write + Seek>(w: &mut Writer<W>, db: &crate::Db<'_>) -> Result<(), CopyError> {
    let root = db.root_bucket();
    let mut iter = root.iter(db);
    while let Some(e) = iter.next().transpose()? {
        if !e.is_bucket() {
            return Err(CopyError::Read(crate::Error::WrongKind(format!(
                "the root bucket holds a plain key {:?}",
                show(e.key)
            ))));
        }
        let page = iter.current_page().unwrap_or_default();
        let sub = crate::Bucket::from_value(db, page, e.value)?;
        w.begin_bucket(e.key, sub.sequence)?;
        copy_contents(w, db, &sub, 256)?;
        w.end_bucket()?;
    }
    Ok(())
}
