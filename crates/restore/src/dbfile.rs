//! The output side of restore, defrag, save and salvage: a new db file
//! written sequentially in large chunks by a second thread, so building
//! pages and writing them overlap.
//!
//! Where the file system allows it (Linux, `O_DIRECT`), aligned chunks go
//! straight from this buffer to the disk instead of being copied into the
//! page cache first and flushed later: a restore is CPU-bound (the
//! trailer's SHA-256, the checks and the page building share two cores),
//! and that copy was a fifth of its CPU time. Chunks that are not aligned
//! (the tail, a page size that is not a multiple of 4096, the meta pages
//! written last) go through an ordinary descriptor of the same file; a
//! file system that refuses `O_DIRECT` at open or at the first write gets
//! every chunk that way. Either way the file is fsynced before it is
//! handed back.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::Error;

/// Bytes per chunk handed to the writing thread.
const CHUNK: usize = 8 << 20;
/// Alignment `O_DIRECT` needs for addresses, offsets and lengths (the
/// largest logical block size in common use).
const ALIGN: usize = 4096;
/// Chunks in flight besides the one being filled.
const IN_FLIGHT: usize = 2;

/// A chunk: `len` bytes at `file_off`, stored from `start` in `buf` so
/// that they begin at an aligned address.
struct Chunk {
    buf: Vec<u8>,
    start: usize,
    len: usize,
    file_off: u64,
}

impl Chunk {
    fn new() -> Chunk {
        let buf = vec![0u8; CHUNK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN);
        // An allocation that cannot be aligned (never seen) still works:
        // its chunks are simply written through the page cache.
        let start = if start < ALIGN { start } else { 0 };
        Chunk {
            buf,
            start,
            len: 0,
            file_off: 0,
        }
    }

    fn data(&self) -> &[u8] {
        self.buf
            .get(self.start..self.start + self.len)
            .unwrap_or_default()
    }

    fn aligned(&self) -> bool {
        self.file_off.is_multiple_of(ALIGN as u64)
            && self.len.is_multiple_of(ALIGN)
            && (self.buf.as_ptr() as usize + self.start).is_multiple_of(ALIGN)
    }
}

/// What the writing thread owns.
struct Sink {
    /// The `O_DIRECT` descriptor, if the file system took it.
    direct: Option<File>,
    /// The ordinary descriptor.
    plain: File,
}

impl Sink {
    fn write(&mut self, c: &Chunk) -> std::io::Result<()> {
        if let (Some(d), true) = (&self.direct, c.aligned()) {
            match d.write_all_at(c.data(), c.file_off) {
                Ok(()) => return Ok(()),
                // The file system took the flag at open but not the write.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => self.direct = None,
                Err(e) => return Err(e),
            }
        }
        self.plain.write_all_at(c.data(), c.file_off)
    }
}

/// A new db file being written; `Write` and `Seek` as a file, the writes
/// buffered and done by a second thread. [`DbFile::finish`] waits for
/// them, fsyncs and returns the file.
pub struct DbFile {
    current: Chunk,
    pos: u64,
    to_writer: Option<SyncSender<Chunk>>,
    returned: Receiver<Chunk>,
    spare: usize,
    writer: Option<JoinHandle<std::io::Result<()>>>,
    file: File,
    path: PathBuf,
}

impl std::fmt::Debug for DbFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbFile")
            .field("path", &self.path)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl DbFile {
    /// Creates `path` (0600, it must not exist) for writing.
    pub fn create(path: &Path) -> Result<DbFile, Error> {
        let file = crate::fsutil::create_private_file(path)?;
        let plain = file.try_clone().map_err(Error::io(path))?;
        let direct = open_direct(path);
        let (to_writer, from_producer) = sync_channel::<Chunk>(IN_FLIGHT);
        let (give_back, returned) = sync_channel::<Chunk>(IN_FLIGHT + 1);
        let writer = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                let mut sink = Sink { direct, plain };
                for chunk in from_producer {
                    sink.write(&chunk)?;
                    // The producer may have stopped; the chunk is dropped then.
                    let _ = give_back.try_send(chunk);
                }
                Ok(())
            })
            .map_err(Error::io(path))?;
        Ok(DbFile {
            current: Chunk::new(),
            pos: 0,
            to_writer: Some(to_writer),
            returned,
            spare: IN_FLIGHT,
            writer: Some(writer),
            file,
            path: path.to_path_buf(),
        })
    }

    /// Hands the current chunk to the writing thread and starts the next
    /// one at `next_off`.
    fn ship(&mut self, next_off: u64) -> std::io::Result<()> {
        if self.current.len == 0 {
            self.current.file_off = next_off;
            return Ok(());
        }
        let mut next = if self.spare > 0 {
            self.spare -= 1;
            Chunk::new()
        } else {
            self.returned.recv().map_err(|_| self.writer_failed())?
        };
        next.len = 0;
        next.file_off = next_off;
        let full = std::mem::replace(&mut self.current, next);
        match &self.to_writer {
            Some(tx) => tx.send(full).map_err(|_| self.writer_failed()),
            None => Err(self.writer_failed()),
        }
    }

    /// The writing thread has stopped early: its error, once joined, is
    /// the real one; this stands in until then.
    fn writer_failed(&self) -> std::io::Error {
        std::io::Error::other("the db writing thread stopped")
    }

    /// Waits for every write, fsyncs the file and returns it.
    pub fn finish(mut self) -> Result<File, Error> {
        let shipped = self.ship(self.pos);
        self.to_writer = None;
        let joined = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the db writing thread panicked")),
            None => Ok(()),
        };
        joined.map_err(Error::io(&self.path))?;
        shipped.map_err(Error::io(&self.path))?;
        self.file.sync_all().map_err(Error::io(&self.path))?;
        self.file.try_clone().map_err(Error::io(&self.path))
    }
}

impl Write for DbFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.current.len == CHUNK {
            self.ship(self.pos)?;
        }
        let at = self.current.start + self.current.len;
        let room = CHUNK - self.current.len;
        let n = buf.len().min(room);
        let (src, dst) = (
            buf.get(..n).unwrap_or_default(),
            self.current.buf.get_mut(at..at + n),
        );
        match dst {
            Some(dst) => dst.copy_from_slice(src),
            None => return Err(std::io::Error::other("db chunk out of range")),
        }
        self.current.len += n;
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for DbFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(_) => None,
        };
        let Some(target) = target else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "db file: unsupported seek",
            ));
        };
        if target != self.pos {
            self.ship(target)?;
            self.pos = target;
        }
        Ok(target)
    }
}

/// A second descriptor of `path` that bypasses the page cache, where the
/// platform and file system have one.
fn open_direct(path: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if std::env::var_os("ETCDSNAP_NO_DIRECT_IO").is_some() {
            return None;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes written with seeks back and forth, across chunk boundaries
    /// and at unaligned offsets, land where a plain file would put them.
    #[test]
    fn writes_and_seeks_like_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut f = DbFile::create(&path).unwrap();
        let mut want = vec![0u8; 2 * 4096];
        f.write_all(&want).unwrap();
        let big: Vec<u8> = (0..CHUNK * 2 + 12345).map(|i| (i % 251) as u8).collect();
        f.write_all(&big).unwrap();
        want.extend_from_slice(&big);
        f.seek(SeekFrom::Start(0)).unwrap();
        f.write_all(&[7u8; 4096]).unwrap();
        want[..4096].fill(7);
        f.seek(SeekFrom::Start(4097)).unwrap();
        f.write_all(b"xyz").unwrap();
        want[4097..4100].copy_from_slice(b"xyz");
        let end = want.len() as u64;
        assert_eq!(f.seek(SeekFrom::Start(end)).unwrap(), end);
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }
}
