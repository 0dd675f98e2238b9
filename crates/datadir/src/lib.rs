//! A member's data dir as a whole: where etcd keeps its files
//! (`member/snap/db`, `member/wal/*.wal`, `member/snap/*.snap`), what
//! reading the WAL and `.snap` files finds (damage, torn last writes), and
//! the membership the data dir records in each of the three places etcd
//! keeps it.
//!
//! ```no_run
//! use std::path::Path;
//!
//! let dir = Path::new("member-1.etcd");
//! let findings = etcdsnap_datadir::inspect(dir)?;
//! let members = etcdsnap_datadir::membership::read(dir)?;
//! println!("{} members recorded, {} problems", members.len(), findings.problems.len());
//! # Ok::<(), etcdsnap_datadir::Error>(())
//! ```

pub mod membership;

use std::path::{Path, PathBuf};

/// Why a data dir could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The WAL directory could not be read.
    #[error(transparent)]
    Wal(#[from] etcdsnap_wal::Error),
    /// The db could not be read.
    #[error(transparent)]
    Bolt(#[from] etcdsnap_bbolt::Error),
}

/// The db of a data dir: `member/snap/db`.
pub fn db_file(data_dir: &Path) -> PathBuf {
    data_dir.join("member").join("snap").join("db")
}

/// The WAL directory of a data dir: `member/wal`.
pub fn wal_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("member").join("wal")
}

/// The `.snap` directory of a data dir: `member/snap`.
pub fn snap_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("member").join("snap")
}

/// What a command given `path` reads as its db: a data dir's
/// `member/snap/db` when `path` is a data dir that has one, else `path`.
pub fn db_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        let db = db_file(path);
        if db.is_file() {
            return db;
        }
    }
    path.to_path_buf()
}

/// The indexes of the committed WAL entries past `consistent_index` that
/// change something (an empty entry only moves the index): what etcd
/// applies to the db on restart, and what a db read alone lacks.
pub fn pending_entries(wal: &etcdsnap_wal::reader::Wal, consistent_index: u64) -> Vec<u64> {
    let commit = wal.hard_state.as_ref().map_or(0, |h| h.commit);
    wal.entries
        .iter()
        .filter(|e| {
            e.index > consistent_index && e.index <= commit && !(e.r#type == 0 && e.data.is_empty())
        })
        .map(|e| e.index)
        .collect()
}

/// The index of the newest `.snap` of `data_dir` that reads (the one etcd
/// starts from), None when there is none.
pub fn newest_snap_index(data_dir: &Path) -> Result<Option<u64>, Error> {
    let dir = snap_dir(data_dir);
    if !dir.is_dir() {
        return Ok(None);
    }
    for p in etcdsnap_wal::snap::list(&dir)? {
        if let Ok(s) = etcdsnap_wal::snap::decode(&read(&p)?) {
            return Ok(Some(s.metadata.index));
        }
    }
    Ok(None)
}

/// Why etcd would not start from `data_dir`'s db as it is, when its
/// consistent index is older than the newest `.snap`: etcd then looks for
/// the db that snapshot was sent with (`<index>.snap.db`) and stops
/// without it (3.4 and 3.5, `recoverSnapshotBackend`).
pub fn db_older_than_snap(data_dir: &Path, consistent_index: u64) -> Result<Option<String>, Error> {
    Ok(newest_snap_index(data_dir)?
        .filter(|i| *i > consistent_index)
        .map(|i| {
            format!(
                "the db's consistent index {consistent_index} is older than the newest .snap \
                 (index {i}): etcd would look for {i:016x}.snap.db and stop without it, so the \
                 WAL entries after the db cannot be replayed onto it"
            )
        }))
}

/// What reading a data dir's WAL and `.snap` files found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Damage: the data dir is not as etcd wrote it.
    pub problems: Vec<String>,
    /// Conditions etcd handles itself on start (a torn last write).
    pub warnings: Vec<String>,
}

/// Reads every WAL segment and `.snap` file of `data_dir` (a data dir
/// without them has nothing to find).
pub fn inspect(data_dir: &Path) -> Result<Findings, Error> {
    let mut f = Findings::default();
    let wal = wal_dir(data_dir);
    if wal.is_dir() {
        let wal = etcdsnap_wal::reader::read_dir(&wal)?;
        if let Some(d) = &wal.damage {
            if d.torn {
                f.warnings.push(format!(
                    "torn last write in WAL {} at offset {} (the last record was cut by a crash; etcd repairs this on start): {}",
                    d.file, d.offset, d.message
                ));
            } else {
                f.problems.push(format!(
                    "WAL damaged in {} at offset {}: {}; {} records before it read",
                    d.file, d.offset, d.message, wal.records
                ));
            }
        }
    }
    let snaps = snap_dir(data_dir);
    if snaps.is_dir() {
        for p in etcdsnap_wal::snap::list(&snaps)? {
            let bytes = read(&p)?;
            if let Err(e) = etcdsnap_wal::snap::decode(&bytes) {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                f.problems.push(format!(
                    "snapshot file {name} is damaged: {e} (etcd sets it aside as .broken and starts from an older one)"
                ));
            }
        }
    }
    Ok(f)
}

fn read(p: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(p).map_err(|source| Error::Io {
        path: p.to_path_buf(),
        source,
    })
}
