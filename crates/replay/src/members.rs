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
/// conf change carries. Every field may be missing or null, as for Go.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct MemberJson {
    id: Option<u64>,
    #[serde(rename = "peerURLs")]
    peer_urls: Option<Vec<String>>,
    #[serde(rename = "isLearner")]
    is_learner: Option<bool>,
    name: Option<String>,
    #[serde(rename = "clientURLs")]
    client_urls: Option<Vec<String>>,
    #[serde(rename = "isPromote")]
    is_promote: Option<bool>,
}

impl MemberJson {
    /// A conf change's context; one that does not decode stops etcd.
    fn context(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes)
            .map_err(|_| "a conf change whose context is not a member (etcd stops on it)".into())
    }

    fn id(&self) -> u64 {
        self.id.unwrap_or(0)
    }

    fn peer_urls(&self) -> Vec<String> {
        self.peer_urls.clone().unwrap_or_default()
    }

    fn is_learner(&self) -> bool {
        self.is_learner.unwrap_or(false)
    }

    fn record(&self) -> MemberRecord {
        MemberRecord {
            id: self.id(),
            peer_urls: self.peer_urls(),
            is_learner: self.is_learner(),
            name: self.name.clone().unwrap_or_default(),
            client_urls: self.client_urls.clone().unwrap_or_default(),
        }
    }
}

/// etcd 3.5 allows one learner (`maxLearners`).
const MAX_LEARNERS: usize = 1;

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
    /// its name and client URLs become those given, as etcd's
    /// `UpdateAttributes` sets them. A removed member's are ignored; one
    /// of a member etcd never knew stops etcd.
    pub(crate) fn set_attributes(&mut self, id: u64, attrs: &Attributes) -> Result<(), String> {
        let hex = format!("{id:x}");
        let Some(m) = self.members.get_mut(&hex) else {
            if self.removed.contains(&hex) {
                return Ok(());
            }
            return Err(format!(
                "an attribute update of member {hex}, which the cluster never had (etcd stops on it)"
            ));
        };
        m.name = String::from_utf8_lossy(&attrs.name).into_owned();
        m.client_urls = attrs
            .client_urls
            .iter()
            .map(|u| String::from_utf8_lossy(u).into_owned())
            .collect();
        self.save(&hex);
        Ok(())
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

    /// Applies one conf change (its type, node id and context) after
    /// etcd's validation (`ValidateConfigurationChange`): a change it
    /// rejects changes nothing. A context that is not a member, or names
    /// another member than the change, stops etcd.
    pub(crate) fn apply(&mut self, kind: i32, node: u64, context: &[u8]) -> Result<(), String> {
        let hex = format!("{node:x}");
        if self.removed.contains(&hex) {
            return Ok(());
        }
        let same_id = |ctx: &MemberJson| {
            if ctx.id() == node {
                Ok(())
            } else {
                Err(format!(
                    "a conf change for member {hex} whose context names member {:x} (etcd stops on it)",
                    ctx.id()
                ))
            }
        };
        match kind {
            ADD | ADD_LEARNER => {
                let ctx = MemberJson::context(context)?;
                let promote = ctx.is_promote.unwrap_or(false);
                if promote {
                    if !self.members.get(&hex).is_some_and(|m| m.is_learner) {
                        return Ok(());
                    }
                } else {
                    let learners = self.members.values().filter(|m| m.is_learner).count();
                    if self.members.contains_key(&hex)
                        || self.urls_in_use("", &ctx.peer_urls())
                        || (ctx.is_learner() && learners + 1 > MAX_LEARNERS)
                    {
                        return Ok(());
                    }
                }
                same_id(&ctx)?;
                if promote {
                    if let Some(m) = self.members.get_mut(&hex) {
                        m.is_learner = false;
                    }
                } else {
                    self.members.insert(hex.clone(), ctx.record());
                }
                self.save(&hex);
                if kind == ADD {
                    self.learners.remove(&node);
                    self.voters.insert(node);
                } else {
                    self.voters.remove(&node);
                    self.learners.insert(node);
                }
            }
            REMOVE => {
                if self.members.remove(&hex).is_none() {
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
                if !self.members.contains_key(&hex) {
                    return Ok(());
                }
                let ctx = MemberJson::context(context)?;
                if self.urls_in_use(&hex, &ctx.peer_urls()) {
                    return Ok(());
                }
                same_id(&ctx)?;
                if let Some(m) = self.members.get_mut(&hex) {
                    m.peer_urls = ctx.peer_urls();
                    m.is_learner = ctx.is_learner();
                }
                self.save(&hex);
            }
            other => return Err(format!("a conf change of type {other}")),
        }
        self.conf_state = Some(self.conf_state_json());
        Ok(())
    }
}
