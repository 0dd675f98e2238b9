//! The membership a data dir records, from each place etcd keeps it: the
//! db's `members` and `members_removed` buckets, the newest `.snap` (the
//! v2 store's `/0/members` and the conf state's learners) and the WAL's
//! conf-change entries. They disagree when a member died mid-change,
//! which is what a reader of a dead member needs to see.

use std::path::Path;

use etcdsnap_bbolt::{Db, MappedFile};
use etcdsnap_schema::member::MemberRecord;
use etcdsnap_schema::names;
use prost::Message;
use serde::Serialize;
use serde_json::Value;

use crate::Error;

/// One member as one source records it.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Member {
    /// `db`, `snap`, or `wal@<index>`.
    pub source: String,
    /// Hex id, as etcd keys it.
    pub id: String,
    /// Name, when published.
    pub name: String,
    /// Peer URLs.
    pub peer_urls: Vec<String>,
    /// Client URLs, when published.
    pub client_urls: Vec<String>,
    /// A learner, not a voter.
    pub learner: bool,
    /// Removed from the cluster.
    pub removed: bool,
}

impl Member {
    fn from_record(source: &str, id: String, r: MemberRecord) -> Self {
        Member {
            source: source.into(),
            id,
            name: r.name,
            peer_urls: r.peer_urls,
            client_urls: r.client_urls,
            learner: r.is_learner,
            removed: false,
        }
    }

    fn removed(source: &str, id: String) -> Self {
        Member {
            source: source.into(),
            id,
            removed: true,
            ..Member::default()
        }
    }
}

/// The members `db` records in its `members` and `members_removed` buckets.
pub fn from_db(db: &Db<'_>) -> Result<Vec<Member>, Error> {
    let mut out = Vec::new();
    let root = db.root_bucket();
    if let Some(b) = root.sub_bucket(db, names::MEMBERS)? {
        for e in b.iter(db) {
            let e = e?;
            let id = String::from_utf8_lossy(e.key).into_owned();
            let r = MemberRecord::parse(e.value).unwrap_or_default();
            out.push(Member::from_record("db", id, r));
        }
    }
    if let Some(b) = root.sub_bucket(db, names::MEMBERS_REMOVED)? {
        for e in b.iter(db) {
            out.push(Member::removed(
                "db",
                String::from_utf8_lossy(e?.key).into_owned(),
            ));
        }
    }
    Ok(out)
}

/// The value at `path` inside `v` (Null when absent).
fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .try_fold(v, |x, k| x.get(*k))
        .unwrap_or(&Value::Null)
}

/// The members the newest readable `.snap` of `data_dir` records, and its
/// file name; nothing when there is none.
pub fn from_snap(data_dir: &Path) -> Result<(Vec<Member>, Option<String>), Error> {
    let mut out = Vec::new();
    let dir = crate::snap_dir(data_dir);
    if !dir.is_dir() {
        return Ok((out, None));
    }
    for f in etcdsnap_wal::snap::list(&dir)? {
        let Ok(s) = etcdsnap_wal::snap::decode(&crate::read(&f)?) else {
            continue;
        };
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
        // The v2 store is JSON: Root/Children/0/Children/members/Children/<id>
        // with `raftAttributes` and `attributes` values, themselves JSON.
        let store: Value =
            serde_json::from_slice(s.data.as_deref().unwrap_or_default()).unwrap_or(Value::Null);
        let zero = at(&store, &["Root", "Children", "0", "Children"]);
        if let Some(ms) = at(zero, &["members", "Children"]).as_object() {
            for (id, node) in ms {
                let attr = |k: &str| -> MemberRecord {
                    at(node, &["Children", k, "Value"])
                        .as_str()
                        .and_then(|v| MemberRecord::parse(v.as_bytes()))
                        .unwrap_or_default()
                };
                let (raft, attrs) = (attr("raftAttributes"), attr("attributes"));
                let learner = raft.is_learner
                    || s.metadata
                        .conf_state
                        .learners
                        .iter()
                        .any(|l| format!("{l:x}") == *id);
                out.push(Member::from_record(
                    "snap",
                    id.clone(),
                    MemberRecord {
                        peer_urls: raft.peer_urls,
                        is_learner: learner,
                        name: attrs.name,
                        client_urls: attrs.client_urls,
                        ..MemberRecord::default()
                    },
                ));
            }
        }
        if let Some(rs) = at(zero, &["removed_members", "Children"]).as_object() {
            for id in rs.keys() {
                out.push(Member::removed("snap", id.clone()));
            }
        }
        return Ok((out, name));
    }
    Ok((out, None))
}

/// The members the WAL's conf-change entries add, update, promote or
/// remove, one row per entry (`wal@<index>`), as raft recorded them.
pub fn from_wal(data_dir: &Path) -> Result<Vec<Member>, Error> {
    let mut out = Vec::new();
    let dir = crate::wal_dir(data_dir);
    if !dir.is_dir() {
        return Ok(out);
    }
    let wal = etcdsnap_wal::reader::read_dir(&dir)?;
    for e in wal.entries.iter().filter(|e| e.r#type == 1) {
        let Ok(cc) = etcdsnap_wal::proto::ConfChange::decode(e.data.as_slice()) else {
            continue;
        };
        let r = cc
            .context
            .as_deref()
            .and_then(MemberRecord::parse)
            .unwrap_or_default();
        let mut m =
            Member::from_record(&format!("wal@{}", e.index), format!("{:x}", cc.node_id), r);
        // raftpb.ConfChangeType: 0 add, 1 remove, 2 update, 3 add learner.
        m.learner = cc.r#type == 3;
        m.removed = cc.r#type == 1;
        out.push(m);
    }
    Ok(out)
}

/// Every member `path` records: from the db of a file or data dir, and,
/// for a data dir, from its newest `.snap` and its WAL, in that order.
pub fn read(path: &Path) -> Result<Vec<Member>, Error> {
    let file = MappedFile::open(crate::db_of(path))?;
    let db = Db::open(file.bytes())?;
    let mut out = from_db(&db)?;
    if path.is_dir() {
        out.extend(from_snap(path)?.0);
        out.extend(from_wal(path)?);
    }
    Ok(out)
}
