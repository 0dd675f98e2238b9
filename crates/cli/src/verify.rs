//! `etcdsnap verify`: the verification report rendered.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

use crate::cli::{problems, verdict};

/// A data dir's WAL tail: the committed entries its db lacks, and the
/// state etcd would start from once it has replayed them.
#[derive(Debug, serde::Serialize)]
struct WalTail {
    /// Committed entries past the db's consistent index that change
    /// something.
    committed_past_db: u64,
    /// Whether they replay (as etcd replays them on restart).
    replays: bool,
    /// Why not, when they do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    why_not: Option<String>,
    /// The latest state's revision, when they replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_revision: Option<i64>,
    /// The latest state's live keys, when they replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_live_keys: Option<u64>,
}

/// The report, with the WAL tail of a data dir.
#[derive(Debug, serde::Serialize)]
struct Verified<'a> {
    #[serde(flatten)]
    report: &'a etcdsnap_verify::semantic::Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    wal_tail: Option<WalTail>,
}

/// What the WAL of `dir` adds to its db (`db` is its db, already open).
fn wal_tail(
    dir: &Path,
    db: &etcdsnap_bbolt::Db<'_>,
    version: Option<etcdsnap_schema::EtcdVersion>,
) -> Result<Option<WalTail>> {
    let wal_dir = etcdsnap_datadir::wal_dir(dir);
    if !wal_dir.is_dir() {
        return Ok(None);
    }
    let wal = etcdsnap_wal::reader::read_dir(&wal_dir)?;
    let ci = etcdsnap_schema::meta::consistent_index(db)?;
    let pending = etcdsnap_datadir::pending_entries(&wal, ci).len() as u64;
    let mut tail = WalTail {
        committed_past_db: pending,
        replays: true,
        why_not: None,
        latest_revision: None,
        latest_live_keys: None,
    };
    if pending == 0 {
        return Ok(Some(tail));
    }
    match etcdsnap_restore::save::latest_state_as(dir, version) {
        Ok(Some(latest)) => {
            let file = etcdsnap_bbolt::MappedFile::open_for_scan(&latest.path)?;
            let ldb = etcdsnap_bbolt::Db::open(file.bytes())?;
            let all = etcdsnap_mvcc::extract::Selector {
                key: Vec::new(),
                prefix: true,
            };
            let r = etcdsnap_mvcc::extract::range(&ldb, &all, 0)?;
            tail.latest_revision = Some(r.head);
            tail.latest_live_keys = Some(r.kvs.len() as u64);
        }
        Ok(None) => {}
        Err(e) => {
            tail.replays = false;
            tail.why_not = Some(e.to_string());
        }
    }
    Ok(Some(tail))
}

/// Runs `etcdsnap verify`.
pub fn run(
    path: &Path,
    format: Format,
    release: crate::cli::ReleaseFlags,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let file = crate::cli::open_for_scan(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let (version, _) = release.resolve(&db);
    let progress = crate::progress::Progress::start("verifying", file.bytes().len() as u64);
    let mut report = etcdsnap_verify::semantic::verify_as(&db, version)?;
    drop(progress);
    let mut tail = None;
    if path.is_dir() {
        let findings = etcdsnap_datadir::inspect(path)?;
        for w in &findings.warnings {
            eprintln!("etcdsnap: warning: {w}");
        }
        for p in findings.problems {
            report.push("data dir", p);
        }
        tail = wal_tail(path, &db, release.chosen())?;
        if let Some(t) = tail.as_ref().filter(|t| !t.replays) {
            // The db alone is not the state etcd would start from: a
            // state that cannot be read is never called restorable.
            report.push(
                "wal",
                format!(
                    "{} committed WAL entries past the db cannot be replayed: {}",
                    t.committed_past_db,
                    t.why_not.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    match format {
        Format::Json => {
            crate::output::write_json(
                out,
                &Verified {
                    report: &report,
                    wal_tail: tail,
                },
            )?;
        }
        Format::Text => {
            let s = &report.summary;
            writeln!(out, "trailer:          {}", s.trailer)?;
            if let Some(why) = &s.unread {
                // Unknown, not empty: nothing below the structure was read.
                writeln!(out, "revisions:        unreadable: {why}")?;
                for name in ["keys", "leases", "auth", "members", "cluster version"] {
                    writeln!(out, "{:<18}unreadable", format!("{name}:"))?;
                }
            } else {
                let revs = match s.first_revision {
                    Some(f) => format!("{f}..{}", s.revision),
                    None => "none".into(),
                };
                let compact = if s.compact_revision >= 0 {
                    format!(" (compacted at {})", s.compact_revision)
                } else {
                    String::new()
                };
                writeln!(out, "revisions:        {revs}{compact}")?;
                writeln!(
                    out,
                    "keys:             {} live, {} history entries ({} tombstones)",
                    s.live_keys, s.history_entries, s.tombstones
                )?;
                writeln!(
                    out,
                    "leases:           {} ({} leased keys)",
                    s.leases, s.leased_keys
                )?;
                writeln!(
                    out,
                    "auth:             {}; users [{}]; roles [{}]",
                    if s.auth_enabled {
                        "enabled"
                    } else {
                        "disabled"
                    },
                    s.users.join(", "),
                    s.roles.join(", ")
                )?;
                writeln!(out, "members:          [{}]", s.members.join(", "))?;
                writeln!(
                    out,
                    "cluster version:  {}",
                    s.cluster_version.as_deref().unwrap_or("-")
                )?;
                if let Some(rc) = &report.release {
                    writeln!(
                        out,
                        "storage version:  {} (etcd {} keeps {})",
                        rc.storage_version.as_deref().unwrap_or("-"),
                        rc.etcd_version,
                        rc.expected_storage_version.as_deref().unwrap_or("none")
                    )?;
                }
            }
            let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "consistent index: {}, term {}",
                opt(s.consistent_index),
                opt(s.term)
            )?;
            writeln!(
                out,
                "size:             file {} bytes, db {} bytes",
                s.file_size, s.db_size
            )?;
            if let Some(t) = &tail {
                match (t.committed_past_db, t.latest_revision) {
                    (0, _) => writeln!(out, "wal:              the db holds every committed entry")?,
                    (n, Some(rev)) => writeln!(
                        out,
                        "wal:              {n} committed entries past the db, replayed: latest state at revision {rev}, {} live keys (what etcd starts from; the figures above are the db alone)",
                        t.latest_live_keys.unwrap_or(0)
                    )?,
                    (n, None) => writeln!(
                        out,
                        "wal:              {n} committed entries past the db{}",
                        if t.replays { "" } else { ", which do not replay" }
                    )?,
                }
            }
            for p in &report.problems {
                writeln!(out, "problem [{}]: {}", p.area, p.message)?;
            }
            for n in report.release.iter().flat_map(|rc| &rc.notes) {
                writeln!(out, "note [{}]: {}", n.area, n.message)?;
            }
            if report.is_ok() {
                writeln!(out, "OK: restorable")?;
            } else {
                writeln!(out, "NOT OK: {}", problems(report.problems.len()))?;
            }
        }
    }
    Ok(verdict(report.is_ok()))
}
