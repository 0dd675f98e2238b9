//! The one place that maps files into memory.
//!
//! # Safety contract
//!
//! `memmap2::Mmap::map` is `unsafe` because another process may change or
//! truncate the file while it is mapped, which would make the `&[u8]` we hand
//! out change underneath safe code (or fault with SIGBUS on truncation). The
//! tools in this workspace work on files of a stopped etcd member or on
//! snapshot files, which nothing else writes; the map is read-only
//! (`PROT_READ`, `MAP_SHARED` of a file opened read-only), so this process
//! can never write the file. Callers who cannot promise that nothing else
//! changes the file should use [`MappedFile::read_into_memory`] instead.
#![allow(unsafe_code)]

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::Error;

/// The bytes of a file, mapped read-only or read into memory.
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Map(memmap2::Mmap),
    Heap(Vec<u8>),
}

impl MappedFile {
    /// Maps `path` read-only, faulting pages in as they are touched. Best
    /// for point lookups. An empty file gives an empty slice.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::map(path.as_ref(), false)
    }

    /// Maps `path` read-only and populates the whole mapping up front
    /// (`MAP_POPULATE`): one kernel call instead of a fault per page, for
    /// commands that read the whole file.
    pub fn open_for_scan(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::map(path.as_ref(), true)
    }

    fn map(path: &Path, populate: bool) -> Result<Self, Error> {
        let path = path.to_path_buf();
        let file = File::open(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let meta = file.metadata().map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            return Err(Error::Io {
                path,
                source: std::io::Error::other("is a directory, not a database file"),
            });
        }
        let len = meta.len();
        if len == 0 {
            return Ok(Self {
                path,
                inner: Inner::Heap(Vec::new()),
            });
        }
        // SAFETY: see the module's safety contract: the file is opened
        // read-only, mapped read-only, and not modified by anything else.
        let map =
            unsafe { memmap2::MmapOptions::new().map(&file) }.map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        #[cfg(target_os = "linux")]
        if populate {
            populate_parallel(&map);
        }
        Ok(Self {
            path,
            inner: Inner::Map(map),
        })
    }

    /// Reads `path` into memory (no mapping).
    pub fn read_into_memory(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            path,
            inner: Inner::Heap(bytes),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::Map(m) => m,
            Inner::Heap(v) => v,
        }
    }
}

impl Drop for MappedFile {
    /// A large mapping's page-table entries are dropped from several threads
    /// at once before the mapping goes (see [`release_parallel`]).
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Inner::Map(map) = &self.inner {
            release_parallel(map);
        }
    }
}

/// Drops the mapping's page-table entries from several threads at once
/// (`MADV_DONTNEED` over slices of it), so unmapping a mapping of
/// hundreds of thousands of pages does not cost one serial pass at exit.
/// Nothing borrows the mapping any more (this runs in `drop`), and on a
/// read-only shared file mapping the advice discards no data: the page
/// cache keeps the file's pages.
#[cfg(target_os = "linux")]
fn release_parallel(map: &memmap2::Mmap) {
    if map.len() < 4 * SLICE {
        return;
    }
    for_each_slice(map, |off, n| {
        // SAFETY: see the module's safety contract and the function's
        // comment: the mapping is shared, read-only and no longer borrowed,
        // so dropping its page-table entries cannot change what any live
        // reference sees.
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, off, n) };
    });
}

/// Faults the whole mapping in from several threads at once
/// (`MADV_POPULATE_READ` over slices of it): one kernel call per slice
/// instead of one fault per page, spread over the cores. Advice only: on a
/// kernel without it the pages are simply faulted in on first touch.
#[cfg(target_os = "linux")]
fn populate_parallel(map: &memmap2::Mmap) {
    for_each_slice(map, |off, n| {
        let _ = map.advise_range(memmap2::Advice::PopulateRead, off, n);
    });
}

/// The slices the mapping is advised in, one kernel call each.
#[cfg(target_os = "linux")]
const SLICE: usize = 64 << 20;

/// Calls `f(offset, length)` for each slice of the mapping, in parallel.
#[cfg(target_os = "linux")]
fn for_each_slice(map: &memmap2::Mmap, f: impl Fn(usize, usize) + Sync) {
    use rayon::prelude::*;
    let len = map.len();
    (0..len.div_ceil(SLICE)).into_par_iter().for_each(|i| {
        let off = i * SLICE;
        f(off, SLICE.min(len - off));
    });
}
