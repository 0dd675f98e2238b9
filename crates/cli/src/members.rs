//! `etcdsnap members`: the membership a file or data dir records, from
//! each place etcd keeps it: the db's `members` and `members_removed`
//! buckets, the newest `.snap` (v2 store and conf state) and the WAL's
//! conf-change entries.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use crate::output::Format;

/// One member as a source records it.
#[derive(Debug, Clone, Serialize, Default)]
struct Member {
    source: String,
    id: String,
    name: String,
    peer_urls: Vec<String>,
    client_urls: Vec<String>,
    learner: bool,
    removed: bool,
}

/// The value at `path` inside `v` (Null when absent).
fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .try_fold(v, |x, k| x.get(*k))
        .unwrap_or(&Value::Null)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn from_db(path: &Path, out: &mut Vec<Member>) -> Result<()> {
    let file = crate::cli::open(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let root = db.root_bucket();
    if let Some(b) = root.sub_bucket(&db, b"members")? {
        for e in b.iter(&db) {
            let e = e?;
            let v: Value = serde_json::from_slice(e.value).unwrap_or(Value::Null);
            out.push(Member {
                source: "db".into(),
                id: String::from_utf8_lossy(e.key).into_owned(),
                name: at(&v, &["name"]).as_str().unwrap_or_default().into(),
                peer_urls: strings(v.get("peerURLs")),
                client_urls: strings(v.get("clientURLs")),
                learner: at(&v, &["isLearner"]).as_bool().unwrap_or(false),
                removed: false,
            });
        }
    }
    if let Some(b) = root.sub_bucket(&db, b"members_removed")? {
        for e in b.iter(&db) {
            out.push(Member {
                source: "db".into(),
                id: String::from_utf8_lossy(e?.key).into_owned(),
                removed: true,
                ..Member::default()
            });
        }
    }
    Ok(())
}

fn from_snap(data_dir: &Path, out: &mut Vec<Member>) -> Result<Option<String>> {
    let dir = data_dir.join("member/snap");
    if !dir.is_dir() {
        return Ok(None);
    }
    for f in etcdsnap_wal::snap::list(&dir)? {
        let Ok(s) = etcdsnap_wal::snap::decode(&std::fs::read(&f)?) else {
            continue;
        };
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
        let store: Value =
            serde_json::from_slice(s.data.as_deref().unwrap_or_default()).unwrap_or(Value::Null);
        let zero = at(&store, &["Root", "Children", "0", "Children"]);
        if let Some(ms) = at(zero, &["members", "Children"]).as_object() {
            for (id, node) in ms {
                let attr = |k: &str| -> Value {
                    at(node, &["Children", k, "Value"])
                        .as_str()
                        .and_then(|s| serde_json::from_str(s).ok())
                        .unwrap_or(Value::Null)
                };
                let (raft, attrs) = (attr("raftAttributes"), attr("attributes"));
                out.push(Member {
                    source: "snap".into(),
                    id: id.clone(),
                    name: at(&attrs, &["name"]).as_str().unwrap_or_default().into(),
                    peer_urls: strings(raft.get("peerURLs")),
                    client_urls: strings(attrs.get("clientURLs")),
                    learner: at(&raft, &["isLearner"]).as_bool().unwrap_or(false)
                        || s.metadata
                            .conf_state
                            .learners
                            .iter()
                            .any(|l| format!("{l:x}") == *id),
                    removed: false,
                });
            }
        }
        if let Some(rs) = at(zero, &["removed_members", "Children"]).as_object() {
            for id in rs.keys() {
                out.push(Member {
                    source: "snap".into(),
                    id: id.clone(),
                    removed: true,
                    ..Member::default()
                });
            }
        }
        return Ok(name);
    }
    Ok(None)
}

fn from_wal(data_dir: &Path, out: &mut Vec<Member>) -> Result<()> {
    let dir = data_dir.join("member/wal");
    if !dir.is_dir() {
        return Ok(());
    }
    let opts = etcdsnap_wal::dump::DumpOptions {
        start_index: Some(0),
        end_index: None,
        entry_types: "ConfigChange".into(),
    };
    let d = etcdsnap_wal::dump::dump(data_dir, &opts)?;
    for e in d.entries {
        let Some(r) = e.request else { continue };
        let method = at(&r, &["method"]).as_str().unwrap_or_default();
        let ctx = at(&r, &["context"]);
        out.push(Member {
            source: format!("wal@{}", e.index),
            id: at(&r, &["id"]).as_str().unwrap_or_default().into(),
            name: at(ctx, &["name"]).as_str().unwrap_or_default().into(),
            peer_urls: strings(ctx.get("peerURLs")),
            client_urls: strings(ctx.get("clientURLs")),
            learner: method == "ConfChangeAddLearnerNode",
            removed: method == "ConfChangeRemoveNode",
        });
    }
    Ok(())
}

/// Runs `etcdsnap members`.
pub fn run(path: &Path, format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let mut ms = Vec::new();
    let db = crate::cli::db_path(path);
    from_db(&db, &mut ms)?;
    let mut findings = crate::datadir::Findings::default();
    if path.is_dir() {
        from_snap(path, &mut ms)?;
        from_wal(path, &mut ms)?;
        findings = crate::datadir::inspect(path)?;
    }
    match format {
        Format::Json => crate::output::write_json(out, &ms)?,
        Format::Text => {
            writeln!(out, "source\tid\tname\tpeer URLs\tclient URLs\tstate")?;
            for m in &ms {
                let state = if m.removed {
                    "removed"
                } else if m.learner {
                    "learner"
                } else {
                    "voter"
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    m.source,
                    m.id,
                    m.name,
                    m.peer_urls.join(","),
                    m.client_urls.join(",")
                )?;
            }
        }
    }
    for w in &findings.warnings {
        eprintln!("etcdsnap: warning: {w}");
    }
    for p in &findings.problems {
        eprintln!("etcdsnap: {p}; the members above come from what is readable");
    }
    Ok(if findings.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
