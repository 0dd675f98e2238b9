//! An opened bbolt file: meta selection, the SHA-256 trailer of etcd
//! snapshots, and page access by id.

use crate::bucket::Bucket;
use crate::layout::{FLAG_LEAF, PAGE_HEADER_SIZE};
use crate::meta::{self, Meta, MetaChoice};
use crate::page::{Node, Page, PageHeader};
use crate::{Error, PageId};

/// Length of the SHA-256 trailer etcd appends to snapshot files.
pub const TRAILER_LEN: usize = 32;

/// True when a file of this length carries etcd's SHA-256 trailer
/// (`len % 512 == 32`).
pub fn has_trailer(len: u64) -> bool {
    len % 512 == TRAILER_LEN as u64
}

/// A bbolt database over borrowed bytes. Cheap to create; reads nothing
/// but the two meta pages until asked.
#[derive(Debug, Clone)]
pub struct Db<'a> {
    file: &'a [u8],
    data: &'a [u8],
    trailer: Option<&'a [u8]>,
    choice: MetaChoice,
    page_size: usize,
}

impl<'a> Db<'a> {
    /// Opens the database held in `file` (a whole file's bytes, with or
    /// without etcd's SHA-256 trailer).
    pub fn open(file: &'a [u8]) -> Result<Self, Error> {
        let len = file.len();
        let (data, trailer) = if has_trailer(len as u64) && len > TRAILER_LEN {
            let (d, t) = file.split_at(len - TRAILER_LEN);
            (d, Some(t))
        } else {
            (file, None)
        };
        if data.len() < PAGE_HEADER_SIZE + crate::layout::meta_off::END {
            return Err(Error::TooShort {
                len: len as u64,
                needed: (PAGE_HEADER_SIZE + crate::layout::meta_off::END) as u64,
            });
        }
        let choice = meta::choose(data)?;
        let page_size = choice.page_size as usize;
        Ok(Self {
            file,
            data,
            trailer,
            choice,
            page_size,
        })
    }

    /// When the file is shorter than its meta page says: the bytes of
    /// database it holds and the bytes the high-water mark needs.
    pub fn truncated(&self) -> Option<(u64, u64)> {
        let need = self.hwm().0.saturating_mul(self.page_size as u64);
        let have = self.data.len() as u64;
        (have < need).then_some((have, need))
    }

    /// The whole file, trailer included.
    pub fn file(&self) -> &'a [u8] {
        self.file
    }

    /// The database bytes (the file without a trailer).
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The 32-byte SHA-256 trailer, when the file has one.
    pub fn trailer(&self) -> Option<&'a [u8]> {
        self.trailer
    }

    /// The meta page in use.
    pub fn meta(&self) -> &Meta {
        &self.choice.meta
    }

    /// How the meta page was chosen, with both pages' validation results.
    pub fn meta_choice(&self) -> &MetaChoice {
        &self.choice
    }

    /// Page size.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// High-water mark of the meta in use.
    pub fn hwm(&self) -> PageId {
        self.choice.meta.pgid
    }

    /// Number of whole pages in the file (trailer excluded).
    pub fn file_pages(&self) -> u64 {
        (self.data.len() / self.page_size) as u64
    }

    /// Absolute file offset of a slice borrowed from this file.
    pub fn offset_of(&self, s: &[u8]) -> u64 {
        (s.as_ptr() as usize).wrapping_sub(self.file.as_ptr() as usize) as u64
    }

    /// Decodes the header of page `id` without reading the rest.
    pub fn header(&self, id: PageId) -> Result<PageHeader, Error> {
        let off = self.page_offset(id)?;
        self.data
            .get(off..off + PAGE_HEADER_SIZE)
            .and_then(PageHeader::decode)
            .ok_or_else(|| self.beyond_end(id, off as u64, PAGE_HEADER_SIZE as u64))
    }

    fn page_offset(&self, id: PageId) -> Result<usize, Error> {
        id.0.checked_mul(self.page_size as u64)
            .filter(|o| *o < self.data.len() as u64)
            .map(|o| o as usize)
            .ok_or_else(|| {
                Error::corrupt(
                    id,
                    id.0.saturating_mul(self.page_size as u64),
                    format!(
                        "page lies beyond the end of the file ({} bytes, {} pages)",
                        self.data.len(),
                        self.file_pages()
                    ),
                )
            })
    }

    fn beyond_end(&self, id: PageId, off: u64, need: u64) -> Error {
        Error::corrupt(
            id,
            off,
            format!(
                "page needs {need} bytes from offset {off} but the file ends at {}",
                self.data.len()
            ),
        )
    }

    /// Page `id` with its overflow pages. Fails when the page or its
    /// overflow runs past the end of the file.
    pub fn page(&self, id: PageId) -> Result<Page<'a>, Error> {
        let header = self.header(id)?;
        let off = self.page_offset(id)? as u64;
        let span = (header.overflow as u64 + 1) * self.page_size as u64;
        let end = off + span;
        let bytes = self
            .data
            .get(off as usize..end.min(usize::MAX as u64) as usize)
            .ok_or_else(|| {
                Error::corrupt(
                    id,
                    off + 12,
                    format!(
                        "overflow {} makes the page span {span} bytes, past the end of the file at {}",
                        header.overflow,
                        self.data.len()
                    ),
                )
            })?;
        Ok(Page {
            id,
            offset: off,
            header,
            bytes,
        })
    }

    /// Branch or leaf view of page `id`.
    pub fn node(&self, id: PageId) -> Result<Node<'a>, Error> {
        Node::from_page(&self.page(id)?)
    }

    /// The root bucket (whose entries are the top-level buckets).
    pub fn root_bucket(&self) -> Bucket<'a> {
        Bucket::paged(self.choice.meta.root, self.choice.meta.root_sequence)
    }

    /// The bucket at `path` (each element a bucket name, outermost first).
    pub fn bucket(&self, path: &[&[u8]]) -> Result<Bucket<'a>, Error> {
        let mut b = self.root_bucket();
        for (depth, name) in path.iter().enumerate() {
            b = b.sub_bucket(self, name)?.ok_or_else(|| {
                Error::BucketNotFound(
                    path.get(..=depth)
                        .unwrap_or(path)
                        .iter()
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                )
            })?;
        }
        Ok(b)
    }

    /// True when the page at `id` looks like a leaf (cheap header test).
    pub fn is_leaf(&self, id: PageId) -> bool {
        self.header(id)
            .map(|h| h.flags == FLAG_LEAF)
            .unwrap_or(false)
    }
}
