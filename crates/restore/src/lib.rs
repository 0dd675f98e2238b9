//! Offline restore of an etcd snapshot into a fresh data dir, as
//! `etcdutl snapshot restore` 3.5 makes it, and offline defrag.
//!
//! A restore writes `member/snap/db` (the snapshot's buckets rewritten as a
//! compact bbolt file, with the old membership replaced by the new
//! cluster's members and the consistent index set to the new raft log),
//! `member/wal/0000000000000000-0000000000000000.wal` (one conf-change
//! entry per member, the hard state and snapshot markers) and
//! `member/snap/<term>-<index>.snap` (the v2 store holding the members).
//! The WAL and `.snap` files are byte-identical to etcdutl's for the same
//! flags and the db has the same content hash.
//!
//! Everything is built in a hidden directory beside the target, fsynced,
//! and renamed into place, so a failure leaves nothing half-made; the
//! snapshot file is only read. The same rewrite and placement serve
//! offline defrag ([`defrag`]), a data dir's latest state saved as a
//! snapshot ([`save`]) and salvage's output.
//!
//! ```no_run
//! use etcdsnap_restore::{restore, RestoreConfig};
//!
//! let summary = restore(&RestoreConfig {
//!     snapshot: "backup.db".into(),
//!     data_dir: Some("restored.etcd".into()),
//!     ..RestoreConfig::default()
//! })?;
//! println!("member {} of cluster {}", summary.member_id, summary.cluster_id);
//! # Ok::<(), etcdsnap_restore::Error>(())
//! ```

pub mod cluster;
pub mod dbfile;
pub mod defrag;
pub mod fsutil;
pub mod save;
pub mod urls;
pub mod v2store;

use etcdsnap_schema::release::{self, Choice};
use etcdsnap_schema::{names, EtcdVersion, Revision};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use etcdsnap_bbolt::writer::WriteOptions;
use etcdsnap_bbolt::{Db, MappedFile};
use etcdsnap_wal::proto::{
    ConfChange, ConfState, Entry, HardState, Metadata, RaftSnapshot, SnapshotMetadata, WalSnapshot,
};
use serde::Serialize;

pub use cluster::{Cluster, ClusterConfig, Member};
use etcdsnap_bbolt::rewrite::{self as rewrite, BucketEdit, Edits};

/// Why a restore or defrag did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A flag is wrong (etcd's bootstrap checks and flag rules).
    #[error("{0}")]
    Config(String),
    /// A URL is not one etcd accepts.
    #[error("invalid URL {url:?}: {why}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// The target is not free.
    #[error("{0}")]
    Target(String),
    /// The snapshot's integrity trailer is missing or wrong.
    #[error("{0}")]
    Integrity(String),
    /// The source database is damaged or not an etcd database.
    #[error("{0}")]
    Source(String),
    /// The source database is structurally damaged.
    #[error("{path}: the database is damaged ({count} problem(s)); first: {first}; run `etcdsnap check` for all of them")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// How many problems the checker found.
        count: usize,
        /// The first problem.
        first: String,
    },
    /// Reading the bbolt file or writing the new one failed.
    #[error(transparent)]
    Bolt(#[from] etcdsnap_bbolt::Error),
    /// Writing the new bbolt file failed.
    #[error(transparent)]
    Write(#[from] etcdsnap_bbolt::writer::WriteError),
    /// Copying a bucket failed.
    #[error(transparent)]
    Copy(#[from] etcdsnap_bbolt::writer::CopyError),
    /// Reading etcd's data in the db failed.
    #[error(transparent)]
    Etcd(#[from] etcdsnap_verify::Error),
    /// etcd's schema in the db does not read.
    #[error(transparent)]
    Schema(#[from] etcdsnap_schema::Error),
    /// The WAL's committed entries could not be replayed.
    #[error(transparent)]
    Replay(#[from] etcdsnap_replay::Error),
    /// The data dir's WAL or `.snap` files could not be read.
    #[error(transparent)]
    DataDir(#[from] etcdsnap_datadir::Error),
    /// Writing the WAL or `.snap` failed.
    #[error(transparent)]
    Wal(#[from] etcdsnap_wal::Error),
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What to restore and where, with etcdutl's flags.
#[derive(Debug, Clone, Default)]
pub struct RestoreConfig {
    /// The snapshot file (or a stopped member's `member/snap/db`).
    pub snapshot: PathBuf,
    /// `--data-dir` (default `<name>.etcd`).
    pub data_dir: Option<PathBuf>,
    /// `--wal-dir` (default `<data-dir>/member/wal`).
    pub wal_dir: Option<PathBuf>,
    /// The new cluster.
    pub cluster: ClusterConfig,
    /// `--skip-hash-check`: accept a file without (or ignore its) trailer.
    pub skip_hash_check: bool,
    /// `--bump-revision`: raise the latest revision by this much.
    pub bump_revision: u64,
    /// `--mark-compacted`: mark the bumped revision as compacted.
    pub mark_compacted: bool,
    /// The etcd release whose restore layout to write (`--etcd-version`);
    /// None: the newest patch of the minor that wrote the snapshot
    /// ([`etcdsnap_schema::release::detect`]). Never below 3.5.
    pub etcd_version: Option<EtcdVersion>,
}

/// What a restore made.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    /// The data dir.
    pub data_dir: PathBuf,
    /// The WAL dir.
    pub wal_dir: PathBuf,
    /// This member's id (hex).
    pub member_id: String,
    /// The cluster id (hex).
    pub cluster_id: String,
    /// All members: name, id (hex), peer URLs.
    pub members: Vec<MemberInfo>,
    /// How the integrity trailer was handled.
    pub hash_check: String,
    /// Latest revision found in the snapshot's `key` bucket.
    pub latest_revision: i64,
    /// The revision after the bump, when bumped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bumped_revision: Option<i64>,
    /// Size of the new db in bytes.
    pub db_size: u64,
    /// Size of the source file in bytes.
    pub source_size: u64,
    /// Whether the restored data has auth enabled (clients then need a
    /// user and password from the start).
    pub auth_enabled: bool,
    /// The users the restored data holds.
    pub users: Vec<String>,
    /// The etcd command line that starts this member on the result
    /// (client URLs are the operator's to add).
    pub etcd_command: String,
    /// The etcd release whose restore layout was written.
    pub etcd_version: String,
    /// Why that release: `--etcd-version`, or what the snapshot says.
    pub etcd_version_note: String,
}

/// A member as the summary lists it.
#[derive(Debug, Clone, Serialize)]
pub struct MemberInfo {
    /// `--name`.
    pub name: String,
    /// Hex id.
    pub id: String,
    /// Peer URLs.
    pub peer_urls: Vec<String>,
}

/// Restores `cfg.snapshot` into a new data dir.
pub fn restore(cfg: &RestoreConfig) -> Result<RestoreSummary, Error> {
    if (cfg.bump_revision == 0) == cfg.mark_compacted {
        return Err(Error::Config(
            "--mark-compacted required if --bump-revision > 0 (and allowed only then)".into(),
        ));
    }
    let bump = i64::try_from(cfg.bump_revision)
        .map_err(|_| Error::Config("--bump-revision is larger than a revision can be".into()))?;
    let cluster = Cluster::from_config(&cfg.cluster)?;
    let local = cluster
        .local_member()
        .ok_or_else(|| Error::Config("the local member is missing".into()))?
        .clone();

    let data_dir = cfg
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.etcd", cfg.cluster.name)));
    let separate_wal = cfg.wal_dir.is_some();
    let wal_dir = cfg
        .wal_dir
        .clone()
        .unwrap_or_else(|| etcdsnap_datadir::wal_dir(&data_dir));
    if let Some(why) = fsutil::why_not_free(&data_dir) {
        return Err(Error::Target(format!(
            "data-dir {:?} {why}; restore makes a new data dir: name one that does not exist or is empty",
            data_dir.display().to_string()
        )));
    }
    if separate_wal && wal_dir.exists() {
        return Err(Error::Target(format!(
            "wal-dir {:?} exists",
            wal_dir.display().to_string()
        )));
    }

    let file = MappedFile::open_for_scan(&cfg.snapshot)?;
    let bytes = file.bytes();
    let db = Db::open(bytes)?;
    if let Some((have, need)) = db.truncated() {
        return Err(Error::Source(format!(
            "{}: truncated: the file ends at {have} bytes of database where its meta page says \
             {need} ({} pages of {}); it was cut short (an interrupted copy or save), and no \
             flag makes it whole: restore an intact copy, or `etcdsnap salvage` recovers what \
             is left",
            cfg.snapshot.display(),
            db.hwm().0,
            db.page_size()
        )));
    }
    if db.trailer().is_none() && !cfg.skip_hash_check {
        return Err(Error::Integrity(format!(
            "snapshot missing hash but --skip-hash-check=false: {} has no SHA-256 trailer \
             (a file copied from a data dir's member/snap/db has none; pass --skip-hash-check to restore it)",
            cfg.snapshot.display()
        )));
    }

    // The release whose layout is written: chosen, or the snapshot's own,
    // and never below 3.5.
    let choice = match cfg.etcd_version {
        Some(v) => Choice::chosen(v),
        None => release::detect(&db).unwrap_or_default(),
    };
    let layout = choice.version.restore_release();
    let mut etcd_version_note = choice.note();
    if layout != choice.version {
        etcd_version_note.push_str(&format!(
            "; restored for etcd {layout}, as etcdutl 3.5 restores an older backup"
        ));
    }
    for w in &choice.warnings {
        etcd_version_note.push_str(&format!("; warning: {w}"));
    }
    // etcd 3.7 (protobuf-go) writes only the fields its restore sets:
    // no ConfChange id, no ConfState auto_leave (v3.7.1
    // etcdutl/snapshot/v3_snapshot.go:548-552, :575-577, :590); gogoproto
    // (3.5, 3.6) writes both as zeros.
    let explicit = layout.writes_explicit_presence();

    let (auth_enabled, users) = auth_of(&db)?;
    // The new raft log: one conf change per member, committed at term 1.
    let commit = cluster.members.len() as u64;
    let term = 1u64;
    // etcdutl takes the latest revision from the key bucket's keys.
    let latest = match latest_revision(&db) {
        Ok(r) => r,
        // A damaged tree: the checker says precisely where.
        Err(e) => return Err(damaged(&cfg.snapshot, bytes).unwrap_or(e)),
    };
    let edits = restore_edits(&cluster, commit, term, latest.0, bump);

    let data_tmp = fsutil::TempDir::beside(&data_dir)?;
    let wal_tmp = if separate_wal {
        Some(fsutil::TempDir::beside(&wal_dir)?)
    } else {
        None
    };
    let snap_dir = data_tmp.path().join("member").join("snap");
    fsutil::create_private_dirs(&snap_dir)?;
    let wal_build = match &wal_tmp {
        Some(t) => t.path().to_path_buf(),
        None => {
            let p = etcdsnap_datadir::wal_dir(data_tmp.path());
            fsutil::create_private_dirs(&p)?;
            p
        }
    };

    // Three independent reads of the same mapping run side by side: the
    // trailer hash, the structure check, and the rewrite into the
    // temporary dir. Nothing is placed unless all three succeed.
    let db_path = snap_dir.join("db");
    let opts = WriteOptions {
        page_size: db.page_size(),
        ..WriteOptions::default()
    };
    let ((trailer, (report, values)), written) = rayon::join(
        || {
            rayon::join(
                || {
                    (!cfg.skip_hash_check && db.trailer().is_some())
                        .then(|| etcdsnap_verify::trailer::verify(&db))
                },
                || etcdsnap_verify::semantic::check_and_decode(&db),
            )
        },
        || {
            write_db(&db_path, |out| {
                rewrite::rewrite(&db, out, opts, &edits)
                    .map(|_| ())
                    .map_err(Error::from)
            })
        },
    );
    let hash_check = match trailer {
        None if cfg.skip_hash_check => "skipped (--skip-hash-check)".to_string(),
        Some(Ok(etcdsnap_verify::trailer::Trailer::Valid { sha256 })) => {
            format!("sha256 {sha256} verified")
        }
        Some(Err(e)) => {
            return Err(Error::Integrity(format!(
                "{}: {e}; the snapshot is corrupt or incomplete",
                cfg.snapshot.display()
            )))
        }
        _ => "no trailer".into(),
    };
    if let Some(first) = report.problems.first() {
        return Err(Error::Damaged {
            path: cfg.snapshot.clone(),
            count: report.problems.len(),
            first: first.to_string(),
        });
    }
    if let Err(e) = values {
        return Err(Error::Source(format!(
            "{}: {e}: etcd decodes every revision when it opens the db and would not start \
             on this data; `etcdsnap verify` lists every problem, `etcdsnap salvage` keeps what decodes",
            cfg.snapshot.display()
        )));
    }
    let db_size = written?;

    // WAL and snap, as etcdutl writes them.
    let conf_state = ConfState {
        voters: cluster.members.iter().map(|m| m.id).collect(),
        auto_leave: (!explicit).then_some(false),
        ..ConfState::default()
    };
    let entries: Vec<Entry> = cluster
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let cc = ConfChange {
                id: (!explicit).then_some(0),
                r#type: 0,
                node_id: m.id,
                context: Some(m.to_json().into_bytes()),
            };
            Entry {
                r#type: 1,
                term,
                index: i as u64 + 1,
                data: prost::Message::encode_to_vec(&cc),
            }
        })
        .collect();
    let hard_state = HardState {
        term,
        vote: cluster.members.first().map_or(0, |m| m.id),
        commit,
    };
    let metadata = Metadata {
        node_id: local.id,
        cluster_id: cluster.id,
    };
    let wal_snap = WalSnapshot {
        index: commit,
        term,
        conf_state: Some(conf_state.clone()),
    };
    let enc = etcdsnap_wal::writer::restore_segment(&metadata, &entries, &hard_state, &wal_snap);
    etcdsnap_wal::writer::write_segment(
        &wal_build,
        &etcdsnap_wal::writer::segment_name(0, 0),
        &enc,
    )?;
    // etcd 3.5 saves the v2 store its AddMember calls filled, in member-id
    // order; etcd 3.6 and 3.7 render the v3 membership in the v2 store's
    // format (GetMembershipInfoInV2Format, v3.6.14
    // server/etcdserver/cluster_util.go:450-458, RaftCluster.Store,
    // server/etcdserver/api/membership/cluster.go:994-1019): the same
    // nodes and JSON, the members taken in Go's map order, so with several
    // members the store indexes etcd gives them vary from run to run;
    // etcdsnap gives them in member-id order, one of those orders.
    let raft_snap = RaftSnapshot {
        data: Some(v2store::restore_store_json(&cluster.members).into_bytes()),
        metadata: SnapshotMetadata {
            conf_state,
            index: commit,
            term,
        },
    };
    etcdsnap_wal::snap::write(&snap_dir, &raft_snap)?;

    // Into place: the WAL dir first when it is separate, then the data dir.
    fsutil::sync_tree(data_tmp.path())?;
    if let Some(t) = &wal_tmp {
        fsutil::sync_tree(t.path())?;
    }
    let wal_placed = match wal_tmp {
        Some(t) => Some(t.place(&wal_dir)?),
        None => None,
    };
    if let Err(e) = data_tmp.place(&data_dir) {
        if let Some(w) = wal_placed {
            let _ = std::fs::remove_dir_all(w);
        }
        return Err(e);
    }

    let etcd_command = etcd_command(cfg, &data_dir, &wal_dir, separate_wal);
    Ok(RestoreSummary {
        data_dir,
        wal_dir,
        member_id: local.id_hex(),
        cluster_id: format!("{:x}", cluster.id),
        members: cluster
            .members
            .iter()
            .map(|m| MemberInfo {
                name: m.name.clone(),
                id: m.id_hex(),
                peer_urls: m.peer_urls.iter().map(|u| u.to_string()).collect(),
            })
            .collect(),
        hash_check,
        latest_revision: latest.0,
        bumped_revision: (bump > 0).then_some(latest.0 + bump),
        db_size,
        source_size: bytes.len() as u64,
        auth_enabled,
        users,
        etcd_command,
        etcd_version: layout.to_string(),
        etcd_version_note,
    })
}

/// Whether `db` has auth enabled, and its user names.
fn auth_of(db: &Db<'_>) -> Result<(bool, Vec<String>), Error> {
    let root = db.root_bucket();
    let enabled = match root.sub_bucket(db, names::AUTH)? {
        Some(b) => b
            .get(db, names::AUTH_ENABLED)?
            .is_some_and(|e| e.value.first() == Some(&1)),
        None => false,
    };
    let mut users = Vec::new();
    if let Some(b) = root.sub_bucket(db, names::AUTH_USERS)? {
        for e in b.iter(db) {
            users.push(String::from_utf8_lossy(e?.key).into_owned());
        }
    }
    Ok((enabled, users))
}

/// The etcd flags that start the restored member: what the restore was
/// given, so the cluster etcd expects is the one restored.
fn etcd_command(
    cfg: &RestoreConfig,
    data_dir: &Path,
    wal_dir: &Path,
    separate_wal: bool,
) -> String {
    let c = &cfg.cluster;
    let peers = c.initial_advertise_peer_urls.clone();
    let mut cmd = format!("etcd --name {} --data-dir {}", c.name, data_dir.display());
    if separate_wal {
        cmd.push_str(&format!(" --wal-dir {}", wal_dir.display()));
    }
    cmd.push_str(&format!(
        " --listen-peer-urls {peers} --initial-advertise-peer-urls {peers} --initial-cluster {} \
         --initial-cluster-token {}",
        c.initial_cluster, c.initial_cluster_token
    ));
    cmd
}

/// The bucket changes of a restore: the members replaced, the removed
/// members cleared, the `cluster` bucket ensured, the consistent index and
/// term set, and with a bump, a revision appended and marked compacted.
fn restore_edits(cluster: &Cluster, commit: u64, term: u64, latest: i64, bump: i64) -> Edits {
    let mut edits: Edits = BTreeMap::new();
    edits.insert(
        names::MEMBERS.to_vec(),
        BucketEdit {
            clear: true,
            puts: cluster
                .members
                .iter()
                .map(|m| (m.id_hex().into_bytes(), Some(m.to_json().into_bytes())))
                .collect(),
        },
    );
    edits.insert(
        names::MEMBERS_REMOVED.to_vec(),
        BucketEdit {
            clear: true,
            ..BucketEdit::default()
        },
    );
    edits.insert(names::CLUSTER.to_vec(), BucketEdit::default());
    let mut meta = BTreeMap::new();
    meta.insert(
        names::CONSISTENT_INDEX.to_vec(),
        Some(commit.to_be_bytes().to_vec()),
    );
    meta.insert(names::TERM.to_vec(), Some(term.to_be_bytes().to_vec()));
    if bump > 0 {
        // The bumped revision: an empty value under revision
        // (latest + bump, 0), and that revision as the scheduled compaction.
        let bumped = Revision {
            main: latest + bump,
            sub: 0,
        }
        .to_key(false);
        meta.insert(names::SCHEDULED_COMPACT_REV.to_vec(), Some(bumped.clone()));
        let mut key = BTreeMap::new();
        key.insert(bumped, Some(Vec::new()));
        edits.insert(
            names::KEY.to_vec(),
            BucketEdit {
                puts: key,
                ..BucketEdit::default()
            },
        );
    }
    edits.insert(
        names::META.to_vec(),
        BucketEdit {
            puts: meta,
            ..BucketEdit::default()
        },
    );
    edits
}

/// Creates `path` (0600), lets `fill` write the db into it (buffered, the
/// writes done by a second thread; see [`dbfile`]), fsyncs it, and
/// returns its size.
pub fn write_db(
    path: &Path,
    fill: impl FnOnce(&mut dbfile::DbFile) -> Result<(), Error>,
) -> Result<u64, Error> {
    let mut out = dbfile::DbFile::create(path)?;
    fill(&mut out)?;
    let file = out.finish()?;
    Ok(file.metadata().map_err(Error::io(path))?.len())
}

/// The highest revision in the `key` bucket, (0, 0) when there is none.
fn latest_revision(db: &Db<'_>) -> Result<(i64, i64), Error> {
    Ok(etcdsnap_schema::meta::latest_revision(db)?.map_or((0, 0), |r| (r.main, r.sub)))
}

/// Refuses to write `db` (read from `path`) into a new file when its
/// SHA-256 trailer says its contents changed after the snapshot was
/// saved: the new file would carry the changed values under a clean
/// name. `skip_hash_check` is the user saying they accept that.
pub fn refuse_changed_contents(
    path: &Path,
    db: &Db<'_>,
    skip_hash_check: bool,
) -> Result<(), Error> {
    if skip_hash_check || db.trailer().is_none() {
        return Ok(());
    }
    match etcdsnap_verify::trailer::verify(db) {
        Err(e) => Err(Error::Integrity(format!(
            "{}: {e}: the contents changed after the snapshot was saved, and a new file would pass \
             the change off as the saved data; `etcdsnap verify` says what else is wrong, \
             `etcdsnap salvage` recovers what reads and says so, --skip-hash-check accepts the \
             changed contents",
            path.display()
        ))),
        Ok(_) => Ok(()),
    }
}

/// The checker's verdict on `bytes` as an error, when it finds damage.
fn damaged(path: &Path, bytes: &[u8]) -> Option<Error> {
    let report = etcdsnap_bbolt::check::check(bytes);
    report.problems.first().map(|first| Error::Damaged {
        path: path.to_path_buf(),
        count: report.problems.len(),
        first: first.to_string(),
    })
}

/// Appends etcd's snapshot trailer (the SHA-256 of everything before it)
/// to the file at `path`, fsyncs, and returns the new size and the hash.
pub fn append_trailer(path: &Path) -> Result<(u64, String), Error> {
    use sha2::Digest;
    let copy = MappedFile::open_for_scan(path)?;
    let digest = sha2::Sha256::digest(copy.bytes());
    drop(copy);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(Error::io(path))?;
    std::io::Write::write_all(&mut f, &digest).map_err(Error::io(path))?;
    f.sync_all().map_err(Error::io(path))?;
    let size = f.metadata().map_err(Error::io(path))?.len();
    Ok((size, hex::encode(digest)))
}
