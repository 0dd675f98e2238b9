//! Pages and their elements, read in place.
//!
//! A [`Page`] is the byte span of one page (header plus overflow pages) in
//! the file. A [`Node`] is the element view of a branch or leaf page, or of
//! an inline bucket's page image inside a bucket value. Every accessor
//! checks bounds and reports damage as [`Error::Corrupt`] with the page id
//! and the absolute file offset.

use serde::Serialize;

use crate::layout::{self, u16_at, u32_at, u64_at, ELEMENT_SIZE, PAGE_HEADER_SIZE};
use crate::{Error, PageId};

/// The decoded 16-byte page header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageHeader {
    /// Page id stored in the header.
    pub id: PageId,
    /// Page type flags.
    pub flags: u16,
    /// Element count (or freelist count).
    pub count: u16,
    /// Number of overflow pages that follow.
    pub overflow: u32,
}

impl PageHeader {
    /// Decodes a header from the first 16 bytes of `b`.
    pub fn decode(b: &[u8]) -> Option<Self> {
        Some(Self {
            id: PageId(u64_at(b, 0)?),
            flags: u16_at(b, 8)?,
            count: u16_at(b, 10)?,
            overflow: u32_at(b, 12)?,
        })
    }

    /// bbolt's name for the page type.
    pub fn type_name(&self) -> String {
        layout::page_type_name(self.flags)
    }
}

/// One page of the file: the header and the full span including overflow.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The id the page was read at (its offset / page size).
    pub id: PageId,
    /// Absolute file offset of the page.
    pub offset: u64,
    /// Decoded header.
    pub header: PageHeader,
    /// The page's bytes, `(overflow + 1) * page_size` long.
    pub bytes: &'a [u8],
}

impl<'a> Page<'a> {
    /// Bytes after the header.
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(PAGE_HEADER_SIZE..).unwrap_or(&[])
    }
}

/// A leaf element: flags, key and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafElem<'a> {
    /// Element flags (`0x01` = bucket).
    pub flags: u32,
    /// Key bytes.
    pub key: &'a [u8],
    /// Value bytes.
    pub value: &'a [u8],
    /// The key and the value, which are stored back to back.
    pub key_value: &'a [u8],
}

impl LeafElem<'_> {
    /// True when this element is a sub-bucket.
    pub fn is_bucket(&self) -> bool {
        self.flags & layout::LEAF_FLAG_BUCKET != 0
    }
}

/// A branch element: the first key of a child and the child's page id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchElem<'a> {
    /// Key bytes.
    pub key: &'a [u8],
    /// Child page id.
    pub child: PageId,
}

/// Element view of a branch or leaf page, or of an inline bucket page.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// Page holding these bytes (for an inline bucket, the page holding the
    /// bucket value).
    pub page: PageId,
    /// Absolute file offset of `bytes`.
    pub offset: u64,
    /// The node's bytes, starting at its page header.
    pub bytes: &'a [u8],
    /// True for a leaf, false for a branch.
    pub is_leaf: bool,
    /// Number of elements.
    pub count: usize,
    /// True when this is an inline bucket's page image.
    pub inline: bool,
}

impl<'a> Node<'a> {
    /// Element view of `page`; checks the type and that the element array fits.
    pub fn from_page(page: &Page<'a>) -> Result<Self, Error> {
        if page.header.id != page.id {
            return Err(Error::corrupt(
                page.id,
                page.offset,
                format!(
                    "page header holds id {}, expected {} (misplaced or overwritten page)",
                    page.header.id, page.id
                ),
            ));
        }
        let is_leaf = match page.header.flags {
            layout::FLAG_LEAF => true,
            layout::FLAG_BRANCH => false,
            f => {
                return Err(Error::corrupt(
                    page.id,
                    page.offset + 8,
                    format!(
                        "expected a branch or leaf page, found page type {} (flags {f:#06x})",
                        layout::page_type_name(f)
                    ),
                ))
            }
        };
        Self::new_unchecked(
            page.id,
            page.offset,
            page.bytes,
            is_leaf,
            page.header.count,
            false,
        )
    }

    /// Element view of an inline bucket's page image (`value[16..]`).
    pub fn inline(page: PageId, offset: u64, bytes: &'a [u8]) -> Result<Self, Error> {
        let h = PageHeader::decode(bytes).ok_or_else(|| {
            Error::corrupt(
                page,
                offset,
                format!(
                    "inline bucket page image is {} bytes, shorter than a page header",
                    bytes.len()
                ),
            )
        })?;
        if h.flags != layout::FLAG_LEAF {
            return Err(Error::corrupt(
                page,
                offset + 8,
                format!(
                    "inline bucket page image has flags {:#06x}, expected leaf (0x0002)",
                    h.flags
                ),
            ));
        }
        Self::new_unchecked(page, offset, bytes, true, h.count, true)
    }

    /// Element view of `bytes` as a node of the given kind; checks only that
    /// the element array fits (not the header's id or flags).
    pub fn new_unchecked(
        page: PageId,
        offset: u64,
        bytes: &'a [u8],
        is_leaf: bool,
        count: u16,
        inline: bool,
    ) -> Result<Self, Error> {
        let count = count as usize;
        let need = PAGE_HEADER_SIZE + count * ELEMENT_SIZE;
        if need > bytes.len() {
            return Err(Error::corrupt(
                page,
                offset + 10,
                format!(
                    "element count {count} needs {need} bytes, the {} has {}",
                    if inline { "inline page" } else { "page" },
                    bytes.len()
                ),
            ));
        }
        Ok(Self {
            page,
            offset,
            bytes,
            is_leaf,
            count,
            inline,
        })
    }

    fn elem_off(&self, i: usize) -> usize {
        PAGE_HEADER_SIZE + i * ELEMENT_SIZE
    }

    /// Absolute file offset of element `i`'s 16 bytes (where damage to
    /// the element is reported).
    pub fn element_offset(&self, i: usize) -> u64 {
        self.offset + self.elem_off(i) as u64
    }

    /// The flags word of leaf element `i` (0 when the element is not in
    /// the node).
    pub fn leaf_flags(&self, i: usize) -> u32 {
        u32_at(self.bytes, self.elem_off(i)).unwrap_or(0)
    }

    fn span(
        &self,
        i: usize,
        what: &str,
        pos: u32,
        len: u32,
        from: usize,
    ) -> Result<&'a [u8], Error> {
        let start = from as u64 + pos as u64;
        let end = start + len as u64;
        if end > self.bytes.len() as u64 {
            return Err(Error::corrupt(
                self.page,
                self.offset + self.elem_off(i) as u64,
                format!(
                    "element {i}: {what} at bytes {start}..{end} runs past the {} ({} bytes)",
                    if self.inline { "inline page" } else { "page" },
                    self.bytes.len()
                ),
            ));
        }
        Ok(self.bytes.get(start as usize..end as usize).unwrap_or(&[]))
    }

    /// The 16 bytes of element `i` and their offset in the node.
    fn elem(&self, i: usize) -> Result<(usize, &'a [u8]), Error> {
        let o = self.elem_off(i);
        let e = self.bytes.get(o..o + ELEMENT_SIZE).ok_or_else(|| {
            Error::corrupt(
                self.page,
                self.offset + o as u64,
                format!("element {i} out of range"),
            )
        })?;
        Ok((o, e))
    }

    /// Leaf element `i` when it reads (`None` where [`Node::leaf`] gives
    /// an error): the fast path for callers that handle damage elsewhere.
    #[inline]
    pub fn leaf_if_sound(&self, i: usize) -> Option<LeafElem<'a>> {
        let o = self.elem_off(i);
        let e = self.bytes.get(o..o.checked_add(ELEMENT_SIZE)?)?;
        let word = |at: usize| u32_at(e, at).unwrap_or(0) as usize;
        let (flags, pos, ksize, vsize) = (word(0), word(4), word(8), word(12));
        let k0 = o.checked_add(pos)?;
        let k1 = k0.checked_add(ksize)?;
        let v1 = k1.checked_add(vsize)?;
        let key_value = self.bytes.get(k0..v1)?;
        Some(LeafElem {
            flags: flags as u32,
            key: key_value.get(..ksize)?,
            value: key_value.get(ksize..)?,
            key_value,
        })
    }

    /// Leaf element `i`.
    pub fn leaf(&self, i: usize) -> Result<LeafElem<'a>, Error> {
        if let Some(e) = self.leaf_if_sound(i) {
            return Ok(e);
        }
        let (o, e) = self.elem(i)?;
        let flags = u32_at(e, 0).unwrap_or(0);
        let pos = u32_at(e, 4).unwrap_or(0);
        let ksize = u32_at(e, 8).unwrap_or(0);
        let vsize = u32_at(e, 12).unwrap_or(0);
        let key = self.span(i, "key", pos, ksize, o)?;
        let value = self.span(i, "value", pos.saturating_add(ksize), vsize, o)?;
        let key_value = self.span(i, "key and value", pos, ksize.saturating_add(vsize), o)?;
        Ok(LeafElem {
            flags,
            key,
            value,
            key_value,
        })
    }

    /// Branch element `i` when it reads (`None` where [`Node::branch`]
    /// gives an error).
    #[inline]
    pub fn branch_if_sound(&self, i: usize) -> Option<BranchElem<'a>> {
        let o = self.elem_off(i);
        let e = self.bytes.get(o..o.checked_add(ELEMENT_SIZE)?)?;
        let pos = u32_at(e, 0).unwrap_or(0) as usize;
        let ksize = u32_at(e, 4).unwrap_or(0) as usize;
        let k0 = o.checked_add(pos)?;
        Some(BranchElem {
            key: self.bytes.get(k0..k0.checked_add(ksize)?)?,
            child: PageId(u64_at(e, 8).unwrap_or(0)),
        })
    }

    /// Branch element `i`.
    pub fn branch(&self, i: usize) -> Result<BranchElem<'a>, Error> {
        if let Some(e) = self.branch_if_sound(i) {
            return Ok(e);
        }
        let (o, e) = self.elem(i)?;
        let pos = u32_at(e, 0).unwrap_or(0);
        let ksize = u32_at(e, 4).unwrap_or(0);
        let child = PageId(u64_at(e, 8).unwrap_or(0));
        let key = self.span(i, "key", pos, ksize, o)?;
        Ok(BranchElem { key, child })
    }

    /// Key of element `i`, for either node kind.
    pub fn key(&self, i: usize) -> Result<&'a [u8], Error> {
        if self.is_leaf {
            Ok(self.leaf(i)?.key)
        } else {
            Ok(self.branch(i)?.key)
        }
    }

    /// Bytes used by the header, the element array and the keys and values
    /// (what bbolt's stats call "in use").
    pub fn used_bytes(&self) -> Result<usize, Error> {
        let mut used = PAGE_HEADER_SIZE + self.count * ELEMENT_SIZE;
        for i in 0..self.count {
            if self.is_leaf {
                let e = self.leaf(i)?;
                used += e.key.len() + e.value.len();
            } else {
                used += self.branch(i)?.key.len();
            }
        }
        Ok(used)
    }
}
