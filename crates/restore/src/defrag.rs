//! Offline defrag of a stopped member's db, as `etcdutl defrag --data-dir`
//! does it: the db is rewritten compactly beside itself, fsynced and
//! renamed over the old file. Its contents, and so its `snapshot status`
//! hash, are unchanged.

use std::path::{Path, PathBuf};

use etcdsnap_bbolt::writer::WriteOptions;
use etcdsnap_bbolt::{Db, MappedFile};
use serde::Serialize;

use crate::{fsutil, rewrite, Error};

/// What a defrag did.
#[derive(Debug, Clone, Serialize)]
pub struct DefragSummary {
    /// The db file.
    pub db: PathBuf,
    /// Size before, in bytes.
    pub size_before: u64,
    /// Size after, in bytes.
    pub size_after: u64,
    /// Keys written (all buckets).
    pub keys: u64,
    /// Buckets written.
    pub buckets: u64,
}

/// The db of a data dir.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("member").join("snap").join("db")
}

/// Defragments the db of `data_dir`. Refuses while another process (a
/// running etcd) holds the db's lock, and when the db is damaged.
pub fn defrag(data_dir: &Path) -> Result<DefragSummary, Error> {
    let db_file = db_path(data_dir);
    let lock = std::fs::File::open(&db_file).map_err(Error::io(&db_file))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(Error::Target(format!(
                "{} is locked by another process (is etcd running on this data dir? stop it first)",
                db_file.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&db_file)(e)),
    }
    let file = MappedFile::open_for_scan(&db_file)?;
    let bytes = file.bytes();
    let db = Db::open(bytes)?;
    let report = etcdsnap_bbolt::check::check(bytes);
    if let Some(first) = report.problems.first() {
        return Err(Error::Damaged {
            path: db_file.clone(),
            count: report.problems.len(),
            first: first.to_string(),
        });
    }
    let dir = db_file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let tmp = dir.join(format!("db.etcdsnap-defrag-{}", std::process::id()));
    let result = (|| {
        let out = fsutil::create_private_file(&tmp)?;
        let mut buffered = std::io::BufWriter::with_capacity(1 << 20, out);
        let opts = WriteOptions {
            page_size: db.page_size(),
            ..WriteOptions::default()
        };
        let rw = rewrite::rewrite(&db, &mut buffered, opts, &rewrite::Edits::new())?;
        let out = buffered
            .into_inner()
            .map_err(|e| Error::io(&tmp)(e.into_error()))?;
        out.sync_all().map_err(Error::io(&tmp))?;
        let size_after = out.metadata().map_err(Error::io(&tmp))?.len();
        Ok::<_, Error>((rw.write, size_after))
    })();
    let (written, size_after) = match result {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let size_before = bytes.len() as u64;
    drop(file);
    if let Err(e) = std::fs::rename(&tmp, &db_file) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&db_file)(e));
    }
    fsutil::sync_dir(&dir)?;
    drop(lock);
    Ok(DefragSummary {
        db: db_file,
        size_before,
        size_after,
        keys: written.keys,
        buckets: written.buckets,
    })
}
