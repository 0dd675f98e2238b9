//! `get`, `dump` and `history`: keys read out of a snapshot or a stopped
//! member's db as etcd would serve them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use base64::Engine;
use clap::ValueEnum;
use etcdsnap_mvcc::diff::Change;
use etcdsnap_mvcc::extract::{self, Kv, Selector};
use serde_json::{json, Map, Value};

/// Output of `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GetFormat {
    /// etcdctl's simple format: key, then value, one per line.
    #[default]
    Simple,
    /// etcdctl's JSON (`get -w json`): base64 keys and values.
    Json,
}

/// Output of `dump` and `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LinesFormat {
    /// One JSON object per line (`-w json` is the same).
    #[default]
    #[value(alias = "json")]
    Jsonl,
    /// etcdctl's simple format.
    Simple,
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// `name`: the bytes as a string when UTF-8, else `name_base64`.
fn put_bytes(m: &mut Map<String, Value>, name: &str, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => m.insert(name.into(), Value::String(s.into())),
        Err(_) => m.insert(format!("{name}_base64"), Value::String(b64(b))),
    };
}

/// True for a Kubernetes Secret, whose value is shown only when asked.
fn is_secret(key: &[u8]) -> bool {
    key.starts_with(b"/registry/secrets/")
}

/// What stands in for a hidden value.
fn hidden(kv: &Kv<'_>) -> String {
    format!(
        "<secret: {} bytes hidden; --show-secrets to print>",
        kv.value.len()
    )
}

fn kv_line(kv: &Kv<'_>, keys_only: bool, show_secrets: bool) -> Value {
    let mut m = Map::new();
    put_bytes(&mut m, "key", kv.key);
    if !keys_only {
        if is_secret(kv.key) && !show_secrets {
            m.insert("value_hidden".into(), hidden(kv).into());
        } else {
            put_bytes(&mut m, "value", kv.value);
        }
    }
    m.insert("create_revision".into(), kv.create_revision.into());
    m.insert("mod_revision".into(), kv.mod_revision.into());
    m.insert("version".into(), kv.version.into());
    if kv.lease != 0 {
        m.insert("lease".into(), format!("{:x}", kv.lease).into());
    }
    Value::Object(m)
}

/// A key in etcdsnap's own line formats: as it is when valid UTF-8, else
/// quoted with its bytes escaped (`"\xff..."`), so a terminal never gets
/// raw binary.
fn write_key(out: &mut dyn Write, key: &[u8]) -> Result<()> {
    if std::str::from_utf8(key).is_ok() {
        out.write_all(key)?;
    } else {
        write!(out, "\"{}\"", key.escape_ascii())?;
    }
    Ok(())
}

/// etcdctl's simple format; `escape`: non-UTF-8 keys quoted and escaped
/// (etcdsnap's own commands; `get` prints the raw bytes as etcdctl does).
fn simple(
    out: &mut dyn Write,
    kvs: &[Kv<'_>],
    keys_only: bool,
    show_secrets: bool,
    escape: bool,
) -> Result<()> {
    for kv in kvs {
        if escape {
            write_key(out, kv.key)?;
        } else {
            out.write_all(kv.key)?;
        }
        out.write_all(b"\n")?;
        if !keys_only {
            if is_secret(kv.key) && !show_secrets {
                out.write_all(hidden(kv).as_bytes())?;
            } else {
                out.write_all(kv.value)?;
            }
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// What extraction reads: a snapshot or db file, or a data dir (at its
/// latest state unless `no_wal`).
#[derive(Debug, Clone)]
pub struct Source {
    path: PathBuf,
    no_wal: bool,
}

impl Source {
    /// A source for `path`.
    pub fn new(path: PathBuf, no_wal: bool) -> Self {
        Source { path, no_wal }
    }
}

/// An opened source: the mapping, and the replayed state it maps (kept
/// until the mapping is dropped).
pub(crate) struct Opened {
    file: etcdsnap_bbolt::MappedFile,
    _latest: Option<etcdsnap_restore::save::LatestState>,
}

impl Opened {
    pub(crate) fn bytes(&self) -> &[u8] {
        self.file.bytes()
    }
}

pub(crate) fn open(src: &Source) -> Result<Opened> {
    if src.path.is_dir() && !src.no_wal {
        let size = std::fs::metadata(etcdsnap_datadir::db_of(&src.path)).map_or(0, |m| m.len());
        let progress = crate::progress::Progress::start("replaying the WAL over", size);
        let latest = etcdsnap_restore::save::latest_state(&src.path)?;
        drop(progress);
        if let Some(latest) = latest {
            let r = &latest.replayed;
            eprintln!(
                "etcdsnap: {}: read at its latest state: {} committed WAL entries (index {}..={}) past the db replayed, revision {} -> {} (--no-wal reads the db alone)",
                src.path.display(),
                r.entries,
                r.from_index + 1,
                r.to_index,
                r.revisions.0,
                r.revisions.1
            );
            let file = crate::cli::open_for_scan(&latest.path)?;
            return Ok(Opened {
                file,
                _latest: Some(latest),
            });
        }
    }
    let file = crate::cli::open_for_scan(&src.path)?;
    if src.path.is_dir() && src.no_wal {
        left_out(&src.path, file.bytes());
    }
    Ok(Opened {
        file,
        _latest: None,
    })
}

/// Says how many committed WAL entries reading a data dir's db alone
/// (`--no-wal`) leaves out.
fn left_out(dir: &std::path::Path, db_bytes: &[u8]) {
    let wal_dir = etcdsnap_datadir::wal_dir(dir);
    let (Ok(db), Ok(wal)) = (
        etcdsnap_bbolt::Db::open(db_bytes),
        etcdsnap_wal::reader::read_dir(&wal_dir),
    ) else {
        return;
    };
    let Ok(ci) = etcdsnap_schema::meta::consistent_index(&db) else {
        return;
    };
    let n = etcdsnap_datadir::pending_entries(&wal, ci).len();
    if n > 0 {
        eprintln!(
            "etcdsnap: {}: --no-wal reads the db alone: {n} committed WAL entries past its consistent index {ci} are left out",
            dir.display()
        );
    }
}

/// What to print of each key.
#[derive(Debug, Clone, Copy)]
pub struct Show {
    /// Keys only.
    pub keys_only: bool,
    /// Values of Kubernetes Secrets too.
    pub secrets: bool,
}

/// `etcdsnap get`.
pub fn get(
    path: &Source,
    key: &[u8],
    prefix: bool,
    rev: i64,
    show: Show,
    format: GetFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let (keys_only, show_secrets) = (show.keys_only, show.secrets);
    let file = open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let sel = Selector {
        key: key.to_vec(),
        prefix,
    };
    let progress = crate::progress::Progress::start("reading keys from", db.file().len() as u64);
    let r = extract::range(&db, &sel, rev)?;
    drop(progress);
    match format {
        GetFormat::Simple => simple(out, &r.kvs, keys_only, show_secrets, false)?,
        GetFormat::Json => {
            let kvs: Vec<Value> = r
                .kvs
                .iter()
                .map(|kv| {
                    let mut m = Map::new();
                    m.insert("key".into(), b64(kv.key).into());
                    m.insert("create_revision".into(), kv.create_revision.into());
                    m.insert("mod_revision".into(), kv.mod_revision.into());
                    m.insert("version".into(), kv.version.into());
                    if !keys_only && !kv.value.is_empty() {
                        if is_secret(kv.key) && !show_secrets {
                            m.insert("value_hidden".into(), hidden(kv).into());
                        } else {
                            m.insert("value".into(), b64(kv.value).into());
                        }
                    }
                    if kv.lease != 0 {
                        m.insert("lease".into(), kv.lease.into());
                    }
                    Value::Object(m)
                })
                .collect();
            let mut doc = Map::new();
            doc.insert("header".into(), json!({ "revision": r.head }));
            if !kvs.is_empty() {
                doc.insert("count".into(), kvs.len().into());
                doc.insert("kvs".into(), Value::Array(kvs));
            }
            serde_json::to_writer(&mut *out, &Value::Object(doc))?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `etcdsnap dump`.
pub fn dump(
    path: &Source,
    prefix: &[u8],
    rev: i64,
    keys_only: bool,
    show_secrets: bool,
    format: LinesFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let file = open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let sel = Selector {
        key: prefix.to_vec(),
        prefix: true,
    };
    let progress = crate::progress::Progress::start("reading keys from", db.file().len() as u64);
    let r = extract::range(&db, &sel, rev)?;
    drop(progress);
    match format {
        LinesFormat::Simple => simple(out, &r.kvs, keys_only, show_secrets, true)?,
        LinesFormat::Jsonl => {
            for kv in &r.kvs {
                serde_json::to_writer(&mut *out, &kv_line(kv, keys_only, show_secrets))?;
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `etcdsnap history`.
pub fn history(
    path: &Source,
    key: &[u8],
    prefix: bool,
    show: Show,
    format: LinesFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let (keys_only, show_secrets) = (show.keys_only, show.secrets);
    let file = open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let sel = Selector {
        key: key.to_vec(),
        prefix,
    };
    let events = extract::history(&db, &sel)?;
    if events.is_empty() {
        let compact = etcdsnap_schema::meta::compact_revision(&db)?;
        let what = String::from_utf8_lossy(key);
        let what = if prefix {
            format!("no key with prefix {what:?}")
        } else {
            format!("{what:?}")
        };
        if compact > 0 {
            eprintln!(
                "etcdsnap: nothing stored for {what}: compacted at revision {compact}, which removed \
                 every revision older than the newest of each key (a key deleted before it is gone); \
                 an older backup may still hold it"
            );
        } else {
            eprintln!(
                "etcdsnap: nothing stored for {what} (never compacted: it was never written)"
            );
        }
    }
    for ev in events {
        match format {
            LinesFormat::Jsonl => {
                let mut v = kv_line(&ev.kv, ev.deleted || keys_only, show_secrets);
                if let Value::Object(m) = &mut v {
                    m.insert("revision".into(), ev.revision.to_string().into());
                    m.insert(
                        "op".into(),
                        if ev.deleted { "delete" } else { "put" }.into(),
                    );
                }
                serde_json::to_writer(&mut *out, &v)?;
                writeln!(out)?;
            }
            LinesFormat::Simple => {
                let op = if ev.deleted { "delete" } else { "put" };
                write!(out, "{} {op} ", ev.revision.main)?;
                write_key(out, ev.kv.key)?;
                if !ev.deleted && !keys_only {
                    out.write_all(b" ")?;
                    if is_secret(ev.kv.key) && !show_secrets {
                        out.write_all(hidden(&ev.kv).as_bytes())?;
                    } else {
                        out.write_all(ev.kv.value)?;
                    }
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `etcdsnap diff`: live keys of `a` and `b` at their heads, compared.
pub fn diff(
    a: &Source,
    b: &Source,
    prefix: &[u8],
    format: LinesFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let (fa, fb) = (open(a)?, open(b)?);
    let (da, db) = (
        etcdsnap_bbolt::Db::open(fa.bytes())?,
        etcdsnap_bbolt::Db::open(fb.bytes())?,
    );
    let sel = Selector {
        key: prefix.to_vec(),
        prefix: true,
    };
    let size = (da.file().len() + db.file().len()) as u64;
    let progress = crate::progress::Progress::start("comparing", size);
    let (ra, rb) = (extract::range(&da, &sel, 0)?, extract::range(&db, &sel, 0)?);
    drop(progress);
    let changes = etcdsnap_mvcc::diff::diff(&ra.kvs, &rb.kvs);
    for c in &changes {
        let (x, y) = match c {
            Change::Added(y) => (None, Some(*y)),
            Change::Removed(x) => (Some(*x), None),
            Change::Changed { a, b } => (Some(*a), Some(*b)),
        };
        match format {
            LinesFormat::Jsonl => {
                let mut m = Map::new();
                m.insert("op".into(), c.op().into());
                put_bytes(&mut m, "key", c.key());
                if let Some(x) = x {
                    m.insert("a".into(), kv_line(x, false, false));
                }
                if let Some(y) = y {
                    m.insert("b".into(), kv_line(y, false, false));
                }
                if matches!(c, Change::Changed { .. }) {
                    m.insert("changed".into(), c.what().into());
                }
                serde_json::to_writer(&mut *out, &Value::Object(m))?;
                writeln!(out)?;
            }
            LinesFormat::Simple => {
                let sign = match c {
                    Change::Added(_) => "+",
                    Change::Removed(_) => "-",
                    Change::Changed { .. } => "~",
                };
                write!(out, "{sign} ")?;
                write_key(out, c.key())?;
                let revs =
                    |k: Option<&Kv<'_>>| k.map_or("-".to_string(), |k| k.mod_revision.to_string());
                let what = c.what();
                if what.is_empty() {
                    writeln!(out, " (mod revision {} -> {})", revs(x), revs(y))?;
                } else {
                    writeln!(
                        out,
                        " ({} changed; mod revision {} -> {})",
                        what.join(", "),
                        revs(x),
                        revs(y)
                    )?;
                }
            }
        }
    }
    let changes = changes.len();
    eprintln!(
        "etcdsnap: {changes} difference(s); a at revision {}, b at revision {}",
        ra.revision, rb.revision
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_unless_asked() {
        let kv = Kv {
            key: b"/registry/secrets/default/db-password",
            value: b"k8s\0payload",
            create_revision: 2,
            mod_revision: 2,
            version: 1,
            lease: 0,
        };
        let hidden_line = kv_line(&kv, false, false);
        assert!(hidden_line.get("value").is_none());
        assert_eq!(
            hidden_line["value_hidden"],
            "<secret: 11 bytes hidden; --show-secrets to print>"
        );
        let mut out = Vec::new();
        simple(&mut out, &[kv], false, false, true).unwrap();
        assert!(!String::from_utf8_lossy(&out).contains("payload"));
        assert!(kv_line(&kv, false, true).get("value").is_some());
        let pod = Kv {
            key: b"/registry/pods/default/x",
            ..kv
        };
        assert!(kv_line(&pod, false, false).get("value").is_some());
    }
}
