//! What a path given on the command line names: a data dir or a db file,
//! resolved the same way by every command, with one message for the wrong
//! kind of path (never a raw OS error).

use std::path::{Path, PathBuf};

use anyhow::Result;

/// A command line that cannot run as given (exit 2).
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The data dir a command that works on a member's directory was given.
pub fn data_dir(path: Option<PathBuf>) -> Result<PathBuf> {
    let Some(path) = path else {
        anyhow::bail!(Usage("a data dir is required".into()));
    };
    if path.is_file() {
        anyhow::bail!(Usage(format!(
            "{}: expected a data dir (holding member/snap/db), got a file",
            path.display()
        )));
    }
    if !path.exists() {
        anyhow::bail!(Usage(format!("{}: no such data dir", path.display())));
    }
    if !etcdsnap_datadir::db_file(&path).is_file() {
        anyhow::bail!(Usage(format!(
            "{}: not a data dir: it has no member/snap/db",
            path.display()
        )));
    }
    Ok(path)
}

/// The db a command that reads one was given: a file as it is, or a data
/// dir's `member/snap/db` (said on stderr, so it is clear which file was
/// read).
pub fn db_input(path: &Path) -> Result<PathBuf> {
    if path.is_dir() {
        let db = etcdsnap_datadir::db_file(path);
        if !db.is_file() {
            anyhow::bail!(Usage(format!(
                "{}: expected a db or snapshot file, or a data dir holding member/snap/db; \
                 got a directory without one",
                path.display()
            )));
        }
        eprintln!("etcdsnap: reading {}", db.display());
        return Ok(db);
    }
    if !path.exists() {
        anyhow::bail!(Usage(format!("{}: no such file", path.display())));
    }
    Ok(path.to_path_buf())
}

/// The WAL-holding data dir a command like `wal` reads.
pub fn wal_data_dir(path: &Path) -> Result<PathBuf> {
    if path.is_file() {
        anyhow::bail!(Usage(format!(
            "{}: expected a data dir (holding member/wal), got a file",
            path.display()
        )));
    }
    if !path.exists() {
        anyhow::bail!(Usage(format!("{}: no such data dir", path.display())));
    }
    Ok(path.to_path_buf())
}
