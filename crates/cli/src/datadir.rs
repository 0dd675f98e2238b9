//! The parts of a data dir beside its db: the WAL segments and the `.snap`
//! files, read and checked for the commands that take a data dir.

use std::path::Path;

use anyhow::Result;

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
pub fn inspect(data_dir: &Path) -> Result<Findings> {
    let mut f = Findings::default();
    let wal_dir = data_dir.join("member/wal");
    if wal_dir.is_dir() {
        let wal = etcdsnap_wal::reader::read_dir(&wal_dir)?;
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
    let snap_dir = data_dir.join("member/snap");
    if snap_dir.is_dir() {
        for p in etcdsnap_wal::snap::list(&snap_dir)? {
            let bytes = std::fs::read(&p)?;
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
