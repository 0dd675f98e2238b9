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
//! can never write the file.
//!
//! Every mapping holds a `flock` on its file for as long as it lives, as Go
//! bbolt's read-only open does: shared for readers, exclusive for a
//! rewrite of a data dir's db. bbolt (and so etcd) takes an exclusive
//! `flock` before it writes a db and holds it while it runs, so a db that
//! a running etcd holds is refused here ([`Error::Io`] of kind
//! `WouldBlock`) instead of being read while pages are reused under the
//! mapping, and no bbolt writer can open the file while it is mapped. A
//! file system without `flock` leaves the file unlocked:
//! [`MappedFile::lock_warning`] says so. Callers who cannot promise that
//! nothing else changes the file should use
//! [`MappedFile::read_into_memory`] instead.
#![allow(unsafe_code)]

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::Error;

/// The bytes of a file, mapped read-only or read into memory.
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    inner: Inner,
    /// The open file, holding its `flock` until the mapping is gone.
    _lock: File,
    lock_warning: Option<String>,
}

/// Which `flock` a [`MappedFile`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Shared, as Go bbolt's read-only open: other readers may hold it too.
    Shared,
    /// Exclusive, as a bbolt writer: for a db about to be replaced.
    Exclusive,
}

/// What a refused lock says: whose lock it is and the ways forward.
pub const LOCKED: &str = "locked by another process: a running etcd (or another bbolt \
writer) holds this db with an exclusive flock and reuses its pages as it writes, so it \
cannot be read consistently here; stop the member first, or take a consistent copy from \
the running member with `etcdctl snapshot save`";

/// Takes `mode`'s `flock` on `file` without waiting: Ok(None) when held,
/// Ok(Some(why)) when the file system does not lock (the file is read
/// unlocked), an error naming the lock when another process holds it.
pub fn try_lock(file: &File, path: &Path, mode: Lock) -> Result<Option<String>, Error> {
    let r = match mode {
        Lock::Shared => file.try_lock_shared(),
        Lock::Exclusive => file.try_lock(),
    };
    match r {
        Ok(()) => Ok(None),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::WouldBlock, LOCKED),
        }),
        Err(std::fs::TryLockError::Error(e)) => Ok(Some(format!(
            "{}: could not be locked ({e}); reading it unlocked: make sure no etcd runs on it",
            path.display()
        ))),
    }
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
        Self::map(path.as_ref(), false, Lock::Shared)
    }

    /// Maps `path` read-only and populates the whole mapping up front
    /// (`MAP_POPULATE`): one kernel call instead of a fault per page, for
    /// commands that read the whole file.
    pub fn open_for_scan(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::map(path.as_ref(), true, Lock::Shared)
    }

    /// As [`MappedFile::open_for_scan`], holding an exclusive lock: for a
    /// data dir's db that is about to be replaced (defrag).
    pub fn open_exclusive_for_scan(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::map(path.as_ref(), true, Lock::Exclusive)
    }

    fn map(path: &Path, populate: bool, lock: Lock) -> Result<Self, Error> {
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
        let lock_warning = try_lock(&file, &path, lock)?;
        let len = meta.len();
        if len == 0 {
            return Ok(Self {
                path,
                inner: Inner::Heap(Vec::new()),
                _lock: file,
                lock_warning,
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
            _lock: file,
            lock_warning,
        })
    }

    /// Reads `path` into memory (no mapping), under a shared lock while
    /// it reads.
    pub fn read_into_memory(path: impl AsRef<Path>) -> Result<Self, Error> {
        use std::io::Read;
        let path = path.as_ref().to_path_buf();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let mut file = File::open(&path).map_err(io)?;
        let lock_warning = try_lock(&file, &path, Lock::Shared)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        Ok(Self {
            path,
            inner: Inner::Heap(bytes),
            _lock: file,
            lock_warning,
        })
    }

    /// Why the file is read without a lock (a file system without
    /// `flock`), if it is.
    pub fn lock_warning(&self) -> Option<&str> {
        self.lock_warning.as_deref()
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
