//! Membership in a replay: raft conf changes (add, add as learner, promote,
//! remove, update) applied as etcd 3.5 applies them to its backend: the
//! `members` and `members_removed` buckets and the conf state in `meta`,
//! after etcd's validation (a change it would reject changes nothing).

use etcdsnap_schema::member::MemberRecord;
use etcdsnap_schema::names;
use std::collections::{BTreeMap, BTreeSet};

use etcdsnap_bbolt::Db;
use etcdsnap_wal::etcdserverpb::Attributes;

use crate::Error;

const ADD: i32 = 0;
const REMOVE: i32 = 1;
const UPDATE: i32 = 2;
const ADD_LEARNER: i32 = 3;

/// The membership being replayed, and the bucket changes it made.
#[derive(Debug, Default)]
pub(crate) struct Members {
    /// Members by hex id.
    members: BTreeMap<String, MemberRecord>,
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

/// Go's JSON of `membership.Member` as etcd stores it in the `members`
/// bucket, and of the `ConfigChangeContext` (a member and `isPromote`) a
/// conf change carries.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct MemberJson {
    id: Option<u64>,
    #[serde(rename = "peerURLs")]
    peer_urls: Option<Vec<String>>,
    #[serde(rename = "isLearner")]
    is_learner: bool,
    name: String,
    #[serde(rename = "clientURLs")]
    client_urls: Vec<String>,
    #[serde(rename = "isPromote")]
    is_promote: bool,
}

impl MemberJson {
    /// JSON that does not read as a member reads as an empty one.
    fn parse(bytes: &[u8]) -> Self {
        serde_json::from_slice(bytes).unwrap_or_default()
    }

    fn record(&self) -> MemberRecord {
        MemberRecord {
            id: self.id.unwrap_or(0),
            peer_urls: self.peer_urls.clone().unwrap_or_default(),
            is_learner: self.is_learner,
            name: self.name.clone(),
            client_urls: self.client_urls.clone(),
        }
    }
}

/// `raftpb.ConfState` as etcd stores it in `meta` (JSON).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ConfStateJson {
    voters: BTreeSet<u64>,
    learners: BTreeSet<u64>,
}

impl Members {
    /// The membership `db` records.
    pub(crate) fn load(db: &Db<'_>) -> Result<Self, Error> {
        let mut m = Members::default();
        let root = db.root_bucket();
        if let Some(b) = root.sub_bucket(db, names::MEMBERS)? {
            for e in b.iter(db) {
                let e = e?;
                if let Ok(v) = serde_json::from_slice::<MemberJson>(e.value) {
                    m.members
                        .insert(String::from_utf8_lossy(e.key).into_owned(), v.record());
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
                if let Ok(cs) = serde_json::from_slice::<ConfStateJson>(e.value) {
                    m.voters = cs.voters;
                    m.learners = cs.learners;
                }
            }
        }
        Ok(m)
    }

    /// Stores member `hex` as etcd marshals it.
    fn save(&mut self, hex: &str) {
        if let Some(m) = self.members.get(hex) {
            self.member_edits
                .insert(hex.as_bytes().to_vec(), Some(m.to_json().into_bytes()));
        }
    }

    /// A member's attributes published (`ClusterMemberAttrSetRequest`):
    /// the name and client URLs it carries, where not empty.
    pub(crate) fn set_attributes(&mut self, id: u64, attrs: &Attributes) {
        let hex = format!("{id:x}");
        let Some(m) = self.members.get_mut(&hex) else {
            return;
        };
        if !attrs.name.is_empty() {
            m.name = String::from_utf8_lossy(&attrs.name).into_owned();
        }
        let urls: Vec<String> = attrs
            .client_urls
            .iter()
            .filter(|u| !u.is_empty())
            .map(|u| String::from_utf8_lossy(u).into_owned())
            .collect();
        if !urls.is_empty() {
            m.client_urls = urls;
        }
        self.save(&hex);
    }

    fn urls_in_use(&self, except: &str, new: &[String]) -> bool {
        self.members
            .iter()
            .filter(|(id, _)| id.as_str() != except)
            .any(|(_, m)| m.peer_urls.iter().any(|u| new.contains(u)))
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
        let ctx = MemberJson::parse(context);
        match kind {
            ADD | ADD_LEARNER => {
                let id = ctx.id.unwrap_or(node);
                let hex = format!("{id:x}");
                if ctx.is_promote {
                    let learner = self.members.get(&hex).is_some_and(|m| m.is_learner);
                    if !learner {
                        return Ok(());
                    }
                    if let Some(m) = self.members.get_mut(&hex) {
                        m.is_learner = false;
                    }
                    self.save(&hex);
                } else {
                    let urls = ctx.peer_urls.clone().unwrap_or_default();
                    if self.removed.contains(&hex)
                        || self.members.contains_key(&hex)
                        || self.urls_in_use("", &urls)
                    {
                        return Ok(());
                    }
                    self.members.insert(hex.clone(), ctx.record());
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
                if self.removed.contains(&hex) || self.members.remove(&hex).is_none() {
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
                let id = ctx.id.unwrap_or(node);
                let hex = format!("{id:x}");
                let new = ctx.peer_urls.clone().unwrap_or_default();
                if self.removed.contains(&hex)
                    || !self.members.contains_key(&hex)
                    || self.urls_in_use(&hex, &new)
                {
                    return Ok(());
                }
                if let Some(m) = self.members.get_mut(&hex) {
                    m.peer_urls = new;
                    m.is_learner = ctx.is_learner;
                }
                self.save(&hex);
            }
            other => return Err(format!("a conf change of type {other}")),
        }
        self.conf_state = Some(self.conf_state_json());
        Ok(())
    }
}
