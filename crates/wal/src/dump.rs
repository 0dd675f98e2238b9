//! What `etcd-dump-logs` shows of a data dir: the newest snapshot, the WAL
//! metadata and hard state, and the entries after the snapshot (or after a
//! given index), filtered by entry type, each with its request decoded.

use std::path::Path;

use prost::Message;
use serde::Serialize;
use serde_json::Value;

use crate::etcdserverpb::{InternalRaftRequest, Request};
use crate::proto::ConfChange;
use crate::reader::{self, Damage};
use crate::{request, snap, Error};

/// Entry types, as `etcd-dump-logs --entry-type` names them.
pub const ENTRY_TYPES: &[&str] = &[
    "ConfigChange",
    "Normal",
    "Request",
    "InternalRaftRequest",
    "IRRRange",
    "IRRPut",
    "IRRDeleteRange",
    "IRRTxn",
    "IRRCompaction",
    "IRRLeaseGrant",
    "IRRLeaseRevoke",
    "IRRLeaseCheckpoint",
];

/// etcd-dump-logs' default filter.
pub const DEFAULT_ENTRY_TYPES: &str = "Normal,ConfigChange";

/// What to dump.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// Dump entries after this index instead of after the newest snapshot.
    pub start_index: Option<u64>,
    /// Stop after this index.
    pub end_index: Option<u64>,
    /// Entry types, comma separated (see [`ENTRY_TYPES`]).
    pub entry_types: String,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions {
            start_index: None,
            end_index: None,
            entry_types: DEFAULT_ENTRY_TYPES.into(),
        }
    }
}

/// The snapshot the dump starts from.
#[derive(Debug, Clone, Serialize)]
pub struct SnapInfo {
    /// File name.
    pub file: String,
    /// Term.
    pub term: u64,
    /// Index.
    pub index: u64,
    /// Voters (hex ids).
    pub voters: Vec<String>,
    /// Learners (hex ids).
    pub learners: Vec<String>,
}

/// One entry shown.
#[derive(Debug, Clone, Serialize)]
pub struct DumpEntry {
    /// Raft term.
    pub term: u64,
    /// Raft index.
    pub index: u64,
    /// `norm` or `conf`.
    pub kind: &'static str,
    /// `ConfigChange`, `InternalRaftRequest`, `Request` or `UnknownNormal`.
    pub entry_type: &'static str,
    /// What etcd-dump-logs prints in its data column.
    pub text: String,
    /// The decoded request, when it decodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
}

/// The dump of a data dir.
#[derive(Debug, Clone, Serialize)]
pub struct Dump {
    /// The snapshot started from (None: none, or started from an index).
    pub snapshot: Option<SnapInfo>,
    /// Snapshot files that could not be used, and why.
    pub bad_snapshots: Vec<String>,
    /// Index the entries start after.
    pub start_index: u64,
    /// This member's id (hex).
    pub node_id: String,
    /// The cluster id (hex).
    pub cluster_id: String,
    /// Hard state: term, commit index, vote (hex).
    pub term: u64,
    /// Highest committed index.
    pub commit_index: u64,
    /// Vote.
    pub vote: String,
    /// Highest index in the WAL.
    pub last_index: u64,
    /// The entries that pass the filter.
    pub entries: Vec<DumpEntry>,
    /// The filter.
    pub entry_types: String,
    /// Entry types named in the filter that do not exist.
    pub unknown_entry_types: Vec<String>,
    /// WAL damage where reading stopped (entries before it are kept).
    pub damage: Option<Damage>,
}

fn hex_id(id: u64) -> String {
    format!("{id:x}")
}

/// What a normal entry's payload decodes as, tried in etcd's order: an
/// `InternalRaftRequest`, else a v2 `Request`.
enum Payload {
    Internal(Box<InternalRaftRequest>),
    V2(Request),
    /// Neither (or a conf change).
    Other,
}

fn payload(e: &crate::proto::Entry) -> Payload {
    if e.r#type != 0 {
        return Payload::Other;
    }
    if let Ok(r) = InternalRaftRequest::decode(e.data.as_slice()) {
        return Payload::Internal(Box::new(r));
    }
    match Request::decode(e.data.as_slice()) {
        Ok(r) => Payload::V2(r),
        Err(_) => Payload::Other,
    }
}

/// Does the request hold the kind an `IRR...` filter names (as
/// etcd-dump-logs checks it: that field is set)?
fn holds(r: &InternalRaftRequest, filter: &str) -> bool {
    match filter {
        "IRRRange" => r.range.is_some(),
        "IRRPut" => r.put.is_some(),
        "IRRDeleteRange" => r.delete_range.is_some(),
        "IRRTxn" => r.txn.is_some(),
        "IRRCompaction" => r.compaction.is_some(),
        "IRRLeaseGrant" => r.lease_grant.is_some(),
        "IRRLeaseRevoke" => r.lease_revoke.is_some(),
        "IRRLeaseCheckpoint" => r.lease_checkpoint.is_some(),
        _ => false,
    }
}

/// Which filter an entry passes, and under which type it is shown; `types`
/// are the filter's names, in order (etcd tries them in that order).
fn classify(e: &crate::proto::Entry, p: &Payload, types: &[&str]) -> Option<&'static str> {
    let irr = match p {
        Payload::Internal(r) => Some(r.as_ref()),
        _ => None,
    };
    let v2 = matches!(p, Payload::V2(_));
    for t in types {
        let hit = match *t {
            "ConfigChange" => (e.r#type == 1).then_some("ConfigChange"),
            "Normal" => {
                if e.r#type != 0 {
                    None
                } else if irr.is_some() {
                    Some("InternalRaftRequest")
                } else if v2 {
                    Some("Request")
                } else {
                    Some("UnknownNormal")
                }
            }
            "Request" => v2.then_some("Request"),
            "InternalRaftRequest" => irr.map(|_| "InternalRaftRequest"),
            other => irr
                .filter(|r| holds(r, other))
                .map(|_| "InternalRaftRequest"),
        };
        if hit.is_some() {
            return hit;
        }
    }
    None
}

/// Go's `%q` of a string, cut to `pre` bytes + "..." + the last `suf`
/// bytes when longer (etcd-dump-logs' `excerpt`).
fn excerpt(s: &[u8], pre: usize, suf: usize) -> String {
    let q = |b: &[u8]| format!("{:?}", String::from_utf8_lossy(b));
    if pre + suf > s.len() {
        return q(s);
    }
    let head = s.get(..pre).unwrap_or(s);
    let tail = s.get(s.len() - suf..).unwrap_or(&[]);
    format!("{}...{}", q(head), q(tail))
}

fn entry_text(e: &crate::proto::Entry, p: &Payload, shown_as: &str) -> (String, Option<Value>) {
    match (shown_as, p) {
        ("ConfigChange", _) => match ConfChange::decode(e.data.as_slice()) {
            Ok(cc) => {
                let method = match cc.r#type {
                    0 => "ConfChangeAddNode".to_string(),
                    1 => "ConfChangeRemoveNode".to_string(),
                    2 => "ConfChangeUpdateNode".to_string(),
                    3 => "ConfChangeAddLearnerNode".to_string(),
                    n => n.to_string(),
                };
                let ctx = cc
                    .context
                    .as_deref()
                    .and_then(|c| serde_json::from_slice::<Value>(c).ok());
                let mut j = serde_json::Map::new();
                j.insert("method".into(), Value::String(method.clone()));
                j.insert("id".into(), Value::String(hex_id(cc.node_id)));
                if let Some(c) = ctx {
                    j.insert("context".into(), c);
                }
                (
                    format!("method={method} id={}", hex_id(cc.node_id)),
                    Some(Value::Object(j)),
                )
            }
            Err(_) => ("???".into(), None),
        },
        ("InternalRaftRequest", Payload::Internal(r)) => {
            (request::text(r, &e.data), Some(request::json(r)))
        }
        ("Request", Payload::V2(r)) => {
            // Shown as text only when UTF-8, as before.
            let s = |b: &[u8]| {
                std::str::from_utf8(b)
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec()
            };
            let method = String::from_utf8_lossy(&s(&r.method)).into_owned();
            let text = match method.as_str() {
                "" => "noop".to_string(),
                "SYNC" => "method=SYNC".to_string(),
                "QGET" | "DELETE" => {
                    format!("method={method} path={}", excerpt(&s(&r.path), 64, 64))
                }
                _ => format!(
                    "method={method} path={} val={}",
                    excerpt(&s(&r.path), 64, 64),
                    excerpt(&s(&r.val), 128, 0)
                ),
            };
            (text, Some(request::v2_json(r)))
        }
        _ => ("???".into(), None),
    }
}

/// Dumps the data dir `data_dir` (holding `member/wal` and `member/snap`).
pub fn dump(data_dir: &Path, opts: &DumpOptions) -> Result<Dump, Error> {
    let member = data_dir.join("member");
    let mut snapshot = None;
    let mut bad_snapshots = Vec::new();
    let start_index = match opts.start_index {
        Some(i) => i,
        None => {
            let snap_dir = member.join("snap");
            let files = if snap_dir.is_dir() {
                snap::list(&snap_dir)?
            } else {
                Vec::new()
            };
            for f in files {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes = std::fs::read(&f).map_err(|source| Error::Io {
                    path: f.clone(),
                    source,
                })?;
                match snap::decode(&bytes) {
                    Ok(s) => {
                        let cs = &s.metadata.conf_state;
                        snapshot = Some(SnapInfo {
                            file: name,
                            term: s.metadata.term,
                            index: s.metadata.index,
                            voters: cs.voters.iter().map(|v| hex_id(*v)).collect(),
                            learners: cs.learners.iter().map(|v| hex_id(*v)).collect(),
                        });
                        break;
                    }
                    Err(e) => bad_snapshots.push(format!("{name}: {e}")),
                }
            }
            snapshot.as_ref().map_or(0, |s| s.index)
        }
    };
    let wal = reader::read_dir(&member.join("wal"))?;
    let md = wal.metadata.first().cloned().unwrap_or_default();
    let hs = wal.hard_state.clone().unwrap_or_default();
    let types: Vec<&str> = opts
        .entry_types
        .split(',')
        .filter(|t| !t.is_empty())
        .collect();
    let unknown_entry_types = types
        .iter()
        .filter(|t| !ENTRY_TYPES.contains(t))
        .map(|t| t.to_string())
        .collect();
    let entries = wal
        .entries
        .iter()
        .filter(|e| e.index > start_index && opts.end_index.is_none_or(|end| e.index <= end))
        .filter_map(|e| {
            let p = payload(e);
            let shown = classify(e, &p, &types)?;
            let (text, request) = entry_text(e, &p, shown);
            Some(DumpEntry {
                term: e.term,
                index: e.index,
                kind: if e.r#type == 0 { "norm" } else { "conf" },
                entry_type: shown,
                text,
                request,
            })
        })
        .collect();
    Ok(Dump {
        snapshot,
        bad_snapshots,
        start_index,
        node_id: hex_id(md.node_id),
        cluster_id: hex_id(md.cluster_id),
        term: hs.term,
        commit_index: hs.commit,
        vote: hex_id(hs.vote),
        last_index: wal.entries.last().map_or(0, |e| e.index),
        entries,
        entry_types: opts.entry_types.clone(),
        unknown_entry_types,
        damage: wal.damage,
    })
}

/// The dump in etcd-dump-logs' layout.
pub fn render_text(d: &Dump, from_index: bool) -> String {
    let mut s = String::new();
    if from_index {
        s.push_str(&format!(
            "Start dumping log entries from index {}.\n",
            d.start_index
        ));
    } else {
        match &d.snapshot {
            Some(sn) => {
                let voters: Vec<&str> = sn.voters.iter().map(String::as_str).collect();
                let ids: Vec<u64> = sn
                    .voters
                    .iter()
                    .filter_map(|v| u64::from_str_radix(v, 16).ok())
                    .collect();
                let ids_json: Vec<String> = ids.iter().map(u64::to_string).collect();
                s.push_str(&format!(
                    "Snapshot:\nterm={} index={} nodes=[{}] confstate={{\"voters\":[{}],\"auto_leave\":false}}\n",
                    sn.term,
                    sn.index,
                    voters.join(" "),
                    ids_json.join(",")
                ));
            }
            None => s.push_str("Snapshot:\nempty\n"),
        }
        s.push_str("Start dumping log entries from snapshot.\n");
    }
    s.push_str(&format!(
        "WAL metadata:\nnodeID={} clusterID={} term={} commitIndex={} vote={}\n",
        d.node_id, d.cluster_id, d.term, d.commit_index, d.vote
    ));
    s.push_str("WAL entries:\n");
    s.push_str(&format!("lastIndex={}\n", d.last_index));
    s.push_str(&format!("{:>4}\t{:>10}\ttype\tdata\n", "term", "index"));
    for e in &d.entries {
        s.push_str(&format!(
            "{:>4}\t{:>10}\t{}\t{}\n",
            e.term, e.index, e.kind, e.text
        ));
    }
    s.push_str(&format!(
        "\nEntry types ({}) count is : {}\n",
        d.entry_types,
        d.entries.len()
    ));
    s
}
