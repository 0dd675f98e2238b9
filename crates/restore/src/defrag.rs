//! Offline defrag of a stopped member's db, as `etcdutl defrag --data-dir`
//! does it: the db is rewritten compactly beside itself, fsynced and
//! renamed over the old file. Its contents, and so its `snapshot status`
//! hash, are unchanged.

use std::path::{Path, PathBuf};

use etcdsnap_bbolt::writer::WriteOptions;
use etcdsnap_bbolt::{Db, MappedFile};
use serde::Serialize;

use crate::{fsutil, Error};
use etcdsnap_bbolt::rewrite;

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

/// Defragments the db of `data_dir`. Refuses while another process (a
/// running etcd) holds the db's lock, when the db is damaged, and when it
/// carries a snapshot trailer that no longer matches (a snapshot file
/// copied in and changed since), unless `skip_hash_check`.
pub fn defrag(data_dir: &Path, skip_hash_check: bool) -> Result<DefragSummary, Error> {
    let db_file = etcdsnap_datadir::db_file(data_dir);
    // Exclusive, as etcd's own: nothing may read or write the db while it
    // is replaced.
    let file = MappedFile::open_exclusive_for_scan(&db_file)?;
    let bytes = file.bytes();
    let db = Db::open(bytes)?;
    crate::refuse_changed_contents(&db_file, &db, skip_hash_check)?;
    let dir = db_file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let tmp = dir.join(format!("db.etcdsnap-defrag-{}", std::process::id()));
    let opts = WriteOptions {
        page_size: db.page_size(),
        ..WriteOptions::default()
    };
    // The structure check and the rewrite read the same mapping side by
    // side; the copy is used only when the check is clean.
    let mut written = None;
    let (report, result) = rayon::join(
        || etcdsnap_bbolt::check::check(bytes),
        || {
            crate::write_db(&tmp, |out| {
                written = Some(rewrite::rewrite(&db, out, opts, &rewrite::Edits::new())?.write);
                Ok(())
            })
        },
    );
    let size_after = match (report.problems.first(), result) {
        (None, Ok(n)) => n,
        (Some(first), _) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Damaged {
                path: db_file.clone(),
                count: report.problems.len(),
                first: first.to_string(),
            });
        }
        (None, Err(e)) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let written = written.unwrap_or_default();
    let size_before = bytes.len() as u64;
    drop(file);
    if let Err(e) = std::fs::rename(&tmp, &db_file) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&db_file)(e));
    }
    fsutil::sync_dir(&dir)?;
    Ok(DefragSummary {
        db: db_file,
        size_before,
        size_after,
        keys: written.keys,
        buckets: written.buckets,
    })
}
