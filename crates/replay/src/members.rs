//! Membership in a replay: raft conf changes (add, add as learner, promote,
//! remove, update) applied as etcd 3.5 applies them to its backend: the
//! `members` and `members_removed` buckets and the conf state in `meta`,
//! after etcd's validation (a change it would reject changes nothing).

use etcdsnap_schema::names;
use std::collections::{BTreeMap, BTreeSet};

use etcdsnap_bbolt::Db;
use serde_json::Value;

use crate::Error;

const ADD: i32 = 0;
const REMOVE: i32 = 1;
const UPDATE: i32 = 2;
const ADD_LEARNER: i32 = 3;

/// The membership being replayed, and the bucket changes it made.
#[derive(Debug, Default)]
pub(crate) struct Members {
    /// Members by hex id, as the JSON etcd stores.
    pub(crate) json: BTreeMap<String, Value>,
    removed: BTreeSet<String>,
    voters: BTreeSet<u64>,
    learners: BTreeSet<u64>,
    /// `members` bucket puts and deletes.
    pub(crate) member_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// `members_removed` bucket puts.
    pub(crate) removed_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// The new `confState`, when a change moved it.
    pub(crate) conf_state: Option<Vec<u8>>,
}

fn urls(m: &Value) -> Vec<String> {
    m.get("peerURLs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Members {
    /// The membership `db` records.
    pub(crate) fn load(db: &Db<'_>) -> Result<Self, Error> {
        let mut m = Members::default();
        let root = db.root_bucket();
        if let Some(b) = root.sub_bucket(db, names::MEMBERS)? {
            for e in b.iter(db) {
                let e = e?;
                if let Ok(v) = serde_json::from_slice::<Value>(e.value) {
                    m.json
                        .insert(String::from_utf8_lossy(e.key).into_owned(), v);
                }
            }
        }
        if let Some(b) = root.sub_bucket(db, names::MEMBERS_REMOVED)? {
            for e in b.iter(db) {
                m.removed
                    .insert(String::from_utf8_lossy(e?.key).into_owned());
            }
        }
        if let Some(b) = root.sub_bucket(db, names::META)? {
            if let Some(e) = b.get(db, names::CONF_STATE)? {
                if let Ok(cs) = serde_json::from_slice::<Value>(e.value) {
                    let ids = |k: &str| -> BTreeSet<u64> {
                        cs.get(k)
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(Value::as_u64).collect())
                            .unwrap_or_default()
                    };
                    m.voters = ids("voters");
                    m.learners = ids("learners");
                }
            }
        }
        Ok(m)
    }

    /// Stores member `hex` as etcd marshals it.
    pub(crate) fn save(&mut self, hex: &str) {
        if let Some(m) = self.json.get(hex) {
            let json = crate::member_json(m);
            self.member_edits
                .insert(hex.as_bytes().to_vec(), Some(json.into_bytes()));
        }
    }

    fn urls_in_use(&self, except: &str, new: &[String]) -> bool {
        self.json
            .iter()
            .filter(|(id, _)| id.as_str() != except)
            .any(|(_, m)| urls(m).iter().any(|u| new.contains(u)))
    }

    /// The conf state as etcd stores it in `meta` (Go's JSON of
    /// `raftpb.ConfState`: empty lists left out, `auto_leave` always).
    fn conf_state_json(&self) -> Vec<u8> {
        let list = |s: &BTreeSet<u64>| s.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let mut out = String::from("{");
        if !self.voters.is_empty() {
            out.push_str(&format!("\"voters\":[{}],", list(&self.voters)));
        }
        if !self.learners.is_empty() {
            out.push_str(&format!("\"learners\":[{}],", list(&self.learners)));
        }
        out.push_str("\"auto_leave\":false}");
        out.into_bytes()
    }

    /// Applies one conf change (its type, node id and context).
    pub(crate) fn apply(&mut self, kind: i32, node: u64, context: &[u8]) -> Result<(), String> {
        let ctx: Value = serde_json::from_slice(context).unwrap_or(Value::Null);
        match kind {
            ADD | ADD_LEARNER => {
                let id = ctx.get("id").and_then(Value::as_u64).unwrap_or(node);
                let hex = format!("{id:x}");
                if ctx.get("isPromote").and_then(Value::as_bool) == Some(true) {
                    let learner = self
                        .json
                        .get(&hex)
                        .is_some_and(|m| m.get("isLearner").and_then(Value::as_bool) == Some(true));
                    if !learner {
                        return Ok(());
                    }
                    if let Some(o) = self.json.get_mut(&hex).and_then(Value::as_object_mut) {
                        o.remove("isLearner");
                    }
                    self.save(&hex);
                } else {
                    if self.removed.contains(&hex)
                        || self.json.contains_key(&hex)
                        || self.urls_in_use("", &urls(&ctx))
                    {
                        return Ok(());
                    }
                    let mut m = serde_json::Map::new();
                    for k in ["id", "peerURLs", "isLearner", "name", "clientURLs"] {
                        if let Some(v) = ctx.get(k) {
                            m.insert(k.into(), v.clone());
                        }
                    }
                    self.json.insert(hex.clone(), Value::Object(m));
                    self.save(&hex);
                }
                if kind == ADD {
                    self.learners.remove(&id);
                    self.voters.insert(id);
                } else {
                    self.voters.remove(&id);
                    self.learners.insert(id);
                }
            }
            REMOVE => {
                let hex = format!("{node:x}");
                if self.removed.contains(&hex) || self.json.remove(&hex).is_none() {
                    return Ok(());
                }
                self.member_edits.insert(hex.as_bytes().to_vec(), None);
                self.removed.insert(hex.clone());
                self.removed_edits
                    .insert(hex.into_bytes(), Some(b"removed".to_vec()));
                self.voters.remove(&node);
                self.learners.remove(&node);
            }
            UPDATE => {
                let id = ctx.get("id").and_then(Value::as_u64).unwrap_or(node);
                let hex = format!("{id:x}");
                let new = urls(&ctx);
                if self.removed.contains(&hex)
                    || !self.json.contains_key(&hex)
                    || self.urls_in_use(&hex, &new)
                {
                    return Ok(());
                }
                if let Some(o) = self.json.get_mut(&hex).and_then(Value::as_object_mut) {
                    o.insert(
                        "peerURLs".into(),
                        ctx.get("peerURLs").cloned().unwrap_or(Value::Null),
                    );
                    match ctx.get("isLearner") {
                        Some(l) if l.as_bool() == Some(true) => {
                            o.insert("isLearner".into(), l.clone());
                        }
                        _ => {
                            o.remove("isLearner");
                        }
                    }
                }
                self.save(&hex);
            }
            other => return Err(format!("a conf change of type {other}")),
        }
        self.conf_state = Some(self.conf_state_json());
        Ok(())
    }
}
