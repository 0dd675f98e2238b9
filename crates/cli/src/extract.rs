//! `get`, `dump` and `history`: keys read out of a snapshot or a stopped
//! member's db as etcd would serve them.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use base64::Engine;
use clap::ValueEnum;
use etcdsnap_verify::extract::{self, Kv, Selector};
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
    /// One JSON object per line.
    #[default]
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

fn kv_line(kv: &Kv<'_>, keys_only: bool) -> Value {
    let mut m = Map::new();
    put_bytes(&mut m, "key", kv.key);
    if !keys_only {
        put_bytes(&mut m, "value", kv.value);
    }
    m.insert("create_revision".into(), kv.create_revision.into());
    m.insert("mod_revision".into(), kv.mod_revision.into());
    m.insert("version".into(), kv.version.into());
    if kv.lease != 0 {
        m.insert("lease".into(), format!("{:x}", kv.lease).into());
    }
    Value::Object(m)
}

fn simple(out: &mut dyn Write, kvs: &[Kv<'_>], keys_only: bool) -> Result<()> {
    for kv in kvs {
        out.write_all(kv.key)?;
        out.write_all(b"\n")?;
        if !keys_only {
            out.write_all(kv.value)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

fn open(path: &Path) -> Result<etcdsnap_bbolt::MappedFile> {
    crate::cli::open_for_scan(&crate::cli::db_path(path))
}

/// `etcdsnap get`.
pub fn get(
    path: &Path,
    key: &[u8],
    prefix: bool,
    rev: i64,
    keys_only: bool,
    format: GetFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let file = open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let sel = Selector {
        key: key.to_vec(),
        prefix,
    };
    let r = extract::range(&db, &sel, rev)?;
    match format {
        GetFormat::Simple => simple(out, &r.kvs, keys_only)?,
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
                        m.insert("value".into(), b64(kv.value).into());
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
    path: &Path,
    prefix: &[u8],
    rev: i64,
    keys_only: bool,
    format: LinesFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let file = open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let sel = Selector {
        key: prefix.to_vec(),
        prefix: true,
    };
    let r = extract::range(&db, &sel, rev)?;
    match format {
        LinesFormat::Simple => simple(out, &r.kvs, keys_only)?,
        LinesFormat::Jsonl => {
            for kv in &r.kvs {
                serde_json::to_writer(&mut *out, &kv_line(kv, keys_only))?;
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `etcdsnap history`.
pub fn history(
    path: &Path,
    key: &[u8],
    prefix: bool,
    format: LinesFormat,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let file = open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let sel = Selector {
        key: key.to_vec(),
        prefix,
    };
    for ev in extract::history(&db, &sel)? {
        match format {
            LinesFormat::Jsonl => {
                let mut v = kv_line(&ev.kv, ev.deleted);
                if let Value::Object(m) = &mut v {
                    m.insert(
                        "revision".into(),
                        format!("{}_{}", ev.revision.main, ev.revision.sub).into(),
                    );
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
                out.write_all(ev.kv.key)?;
                if !ev.deleted {
                    out.write_all(b" ")?;
                    out.write_all(ev.kv.value)?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
