//! `snapshot save --data-dir`: a snapshot file made offline from a stopped
//! member's data dir: its db rewritten compactly, with the SHA-256 trailer
//! `etcdutl snapshot restore` checks.
//!
//! The db alone is the latest state only when the WAL holds no committed
//! entry past the db's `consistent_index`. When it does, those entries are
//! what etcd replays on restart, and they are replayed here the same way
//! ([`crate::replay`]) before the db is written; an entry replay does not
//! handle refuses the save with the entry named, unless `--no-wal` accepts
//! the db as it is.

use std::path::{Path, PathBuf};

use etcdsnap_bbolt::writer::WriteOptions;
use etcdsnap_bbolt::{Db, MappedFile};
use serde::Serialize;

use crate::{fsutil, Error};
use etcdsnap_bbolt::rewrite;

/// What to save.
#[derive(Debug, Clone)]
pub struct SaveConfig {
    /// The data dir (holding `member/snap/db` and `member/wal`).
    pub data_dir: PathBuf,
    /// The snapshot file to write (must not exist).
    pub out: PathBuf,
    /// Save the db as it is, ignoring committed WAL entries it lacks.
    pub no_wal: bool,
    /// Accept a db whose snapshot trailer no longer matches.
    pub skip_hash_check: bool,
    /// Replay the WAL under this etcd release's apply rules; None: the
    /// release that wrote the db (`etcdsnap_schema::release::detect`).
    pub etcd_version: Option<etcdsnap_schema::EtcdVersion>,
}

/// What a save wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SaveSummary {
    /// The snapshot file.
    pub out: PathBuf,
    /// Its size, trailer included.
    pub size: u64,
    /// The SHA-256 trailer (hex).
    pub sha256: String,
    /// The db's `consistent_index`.
    pub consistent_index: u64,
    /// The WAL's commit index (0 without a WAL).
    pub wal_commit: u64,
    /// Committed WAL entries past the db that were left out (`--no-wal`).
    pub entries_left_out: u64,
    /// What etcd itself would handle on start and the save handled the
    /// same way (a torn last WAL write, dropped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The WAL entries replayed into the snapshot, when there were any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed: Option<etcdsnap_replay::ReplaySummary>,
}

fn consistent_index(db: &Db<'_>) -> Result<u64, Error> {
    Ok(etcdsnap_schema::meta::consistent_index(db)?)
}

/// Saves the data dir's db as a snapshot file.
pub fn save(cfg: &SaveConfig) -> Result<SaveSummary, Error> {
    if cfg.out.exists() {
        return Err(Error::Target(format!("{} exists", cfg.out.display())));
    }
    let db_file = etcdsnap_datadir::db_file(&cfg.data_dir);
    // The mapping holds a shared lock while it lives: refused while etcd
    // runs on the data dir.
    let file = MappedFile::open_for_scan(&db_file)?;
    let bytes = file.bytes();
    let db = Db::open(bytes)?;
    crate::refuse_changed_contents(&db_file, &db, cfg.skip_hash_check)?;
    let ci = consistent_index(&db)?;
    etcdsnap_verify::semantic::key_values_decode(&db).map_err(|e| {
        Error::Source(format!(
            "{}: {e}: etcd would not start on this db; `etcdsnap salvage` keeps what decodes",
            db_file.display()
        ))
    })?;
    let mut warnings = Vec::new();

    let wal_dir = etcdsnap_datadir::wal_dir(&cfg.data_dir);
    let mut edits = rewrite::Edits::new();
    let mut replayed = None;
    let (wal_commit, pending) = if wal_dir.is_dir() {
        let wal = etcdsnap_wal::reader::read_dir(&wal_dir)?;
        if let Some(d) = &wal.damage {
            if d.torn {
                warnings.push(format!(
                    "torn last write in WAL {} at offset {} dropped, as etcd drops it on start: {}",
                    d.file, d.offset, d.message
                ));
            } else if !cfg.no_wal {
                return Err(Error::Source(format!(
                    "WAL damaged in {} at offset {}: {}; the committed entries after it cannot be replayed. \
                     --no-wal saves the db alone; `etcdsnap wal` shows the entries before the damage",
                    d.file, d.offset, d.message
                )));
            }
        }
        if !cfg.no_wal && !etcdsnap_datadir::pending_entries(&wal, ci).is_empty() {
            if let Some(why) = etcdsnap_datadir::db_older_than_snap(&cfg.data_dir, ci)? {
                return Err(Error::Source(format!(
                    "{why}; --no-wal saves the db as it is"
                )));
            }
        }
        if !cfg.no_wal {
            let replayed_as = match cfg.etcd_version {
                Some(v) => etcdsnap_replay::replay_as(&db, &wal, ci, v),
                None => etcdsnap_replay::replay(&db, &wal, ci),
            };
            if let Some((e, summary)) = replayed_as.map_err(|e| {
                Error::Source(format!(
                    "{e}; --no-wal saves the db as it is, without the committed WAL entries past its consistent index {ci}"
                ))
            })? {
                edits = e;
                replayed = Some(summary);
            }
        }
        let commit = wal.hard_state.as_ref().map_or(0, |h| h.commit);
        (commit, etcdsnap_datadir::pending_entries(&wal, ci))
    } else {
        (0, Vec::new())
    };

    let (size, sha) =
        fsutil::place_new_file(&cfg.out, |tmp| write_snapshot(&db, bytes, tmp, &edits))?;
    Ok(SaveSummary {
        out: cfg.out.clone(),
        size,
        sha256: sha,
        consistent_index: ci,
        wal_commit,
        entries_left_out: if cfg.no_wal { pending.len() as u64 } else { 0 },
        warnings,
        replayed,
    })
}

/// Writes the compact copy of `db` to `tmp` (after checking `bytes`), then
/// appends the SHA-256 of what was written; returns size and hex hash.
fn write_snapshot(
    db: &Db<'_>,
    bytes: &[u8],
    tmp: &Path,
    edits: &rewrite::Edits,
) -> Result<(u64, String), Error> {
    let opts = WriteOptions {
        page_size: db.page_size(),
        ..WriteOptions::default()
    };
    let (report, written) = rayon::join(
        || etcdsnap_bbolt::check::check(bytes),
        || {
            crate::write_db(tmp, |out| {
                rewrite::rewrite(db, out, opts, edits)
                    .map(|_| ())
                    .map_err(Error::from)
            })
        },
    );
    if let Some(first) = report.problems.first() {
        return Err(Error::Damaged {
            path: tmp.to_path_buf(),
            count: report.problems.len(),
            first: first.to_string(),
        });
    }
    written?;
    crate::append_trailer(tmp)
}

/// A data dir's latest state, when its WAL holds committed entries the db
/// lacks: the db with them replayed (as etcd replays them on restart),
/// written to a private temporary directory that is removed on drop.
#[derive(Debug)]
pub struct LatestState {
    _dir: fsutil::TempDir,
    /// The replayed db (no trailer).
    pub path: PathBuf,
    /// What was replayed.
    pub replayed: etcdsnap_replay::ReplaySummary,
}

/// The latest state of `data_dir` for reading: None when the db already
/// holds every committed entry (read the db itself). A damaged WAL is an
/// error (a torn last write is not: etcd drops it too), as is an entry the
/// replay does not handle; both name what to pass to read the db alone.
pub fn latest_state(data_dir: &Path) -> Result<Option<LatestState>, Error> {
    latest_state_as(data_dir, None)
}

/// [`latest_state`] with the WAL replayed under etcd `version`'s apply
/// rules (None: the release that wrote the db).
pub fn latest_state_as(
    data_dir: &Path,
    version: Option<etcdsnap_schema::EtcdVersion>,
) -> Result<Option<LatestState>, Error> {
    let wal_dir = etcdsnap_datadir::wal_dir(data_dir);
    if !wal_dir.is_dir() {
        return Ok(None);
    }
    let db_file = etcdsnap_datadir::db_file(data_dir);
    let file = MappedFile::open_for_scan(&db_file)?;
    let db = Db::open(file.bytes())?;
    let ci = consistent_index(&db)?;
    let wal = etcdsnap_wal::reader::read_dir(&wal_dir)?;
    if !etcdsnap_datadir::pending_entries(&wal, ci).is_empty() {
        if let Some(why) = etcdsnap_datadir::db_older_than_snap(data_dir, ci)? {
            return Err(Error::Source(format!(
                "{why} (--no-wal reads the db alone)"
            )));
        }
    }
    if let Some(d) = wal.damage.as_ref().filter(|d| !d.torn) {
        return Err(Error::Source(format!(
            "WAL damaged in {} at offset {}: {}; the committed entries after it cannot be replayed \
             (--no-wal reads the db alone)",
            d.file, d.offset, d.message
        )));
    }
    let replayed = match version {
        Some(v) => etcdsnap_replay::replay_as(&db, &wal, ci, v),
        None => etcdsnap_replay::replay(&db, &wal, ci),
    };
    let Some((edits, replayed)) =
        replayed.map_err(|e| Error::Source(format!("{e}; --no-wal reads the db alone")))?
    else {
        return Ok(None);
    };
    let dir = fsutil::TempDir::beside(&std::env::temp_dir().join("etcdsnap-latest"))?;
    let path = dir.path().join("db");
    let opts = WriteOptions {
        page_size: db.page_size(),
        ..WriteOptions::default()
    };
    crate::write_db(&path, |out| {
        rewrite::rewrite(&db, out, opts, &edits)
            .map(|_| ())
            .map_err(Error::from)
    })?;
    Ok(Some(LatestState {
        _dir: dir,
        path,
        replayed,
    }))
}
