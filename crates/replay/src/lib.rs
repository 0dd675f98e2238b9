//! The latest state of a stopped (or killed) member: the committed WAL
//! entries past the db's `consistent_index` applied to the db as etcd
//! applies them on restart, giving the bucket changes to write.
//!
//! Applied as etcd 3.5's apply loop does: puts, delete ranges, txns (with
//! compares, nested txns), compactions, lease grants, revokes (deleting the
//! lease's keys in one revision, in key order) and checkpoints, member
//! attribute and cluster version updates, user and role changes and auth
//! enable and disable ([`crate::auth`]), with the permission checks
//! etcd makes while auth is enabled; alarms (an active NOSPACE or CORRUPT
//! alarm makes etcd refuse the requests it refuses); empty entries only
//! move the consistent index. Requests of other kinds (membership changes,
//! v2 requests) are refused by name rather than guessed.
//!
//! ```no_run
//! use etcdsnap_bbolt::{Db, MappedFile};
//!
//! let file = MappedFile::open("member/snap/db")?;
//! let db = Db::open(file.bytes())?;
//! let wal = etcdsnap_wal::reader::read_dir(std::path::Path::new("member/wal"))?;
//! let ci = etcdsnap_schema::meta::consistent_index(&db)?;
//! if let Some((edits, summary)) = etcdsnap_replay::replay(&db, &wal, ci)? {
//!     println!("{} entries, {} buckets changed", summary.entries, edits.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod members;

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The db could not be read.
    #[error(transparent)]
    Bolt(#[from] etcdsnap_bbolt::Error),
    /// etcd's schema in the db does not read.
    #[error(transparent)]
    Schema(#[from] etcdsnap_schema::Error),
    /// A committed WAL entry that cannot be applied, named by its index.
    #[error("{0}")]
    Entry(String),
}

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Selector};
use etcdsnap_schema::member::MemberRecord;
use etcdsnap_schema::proto::{KeyValue, Lease};
use etcdsnap_schema::{names, Revision};
use prost::Message;
use serde_json::Value;

use etcdsnap_bbolt::rewrite::{BucketEdit, Edits};

/// A live key in the replayed state.
#[derive(Debug, Clone)]
struct Live<'a> {
    /// Borrowed from the db's mapping until a replayed put replaces it, so
    /// that replay holds the live keys' metadata, not their values.
    value: Cow<'a, [u8]>,
    create: i64,
    modr: i64,
    version: i64,
    lease: i64,
}

/// What the replay did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReplaySummary {
    /// The db's consistent index before.
    pub from_index: u64,
    /// The last entry applied.
    pub to_index: u64,
    /// Entries applied (empty ones included).
    pub entries: u64,
    /// The revision before and after.
    pub revisions: (i64, i64),
}

/// The state being built.
struct State<'a> {
    live: BTreeMap<Vec<u8>, Live<'a>>,
    leases: HashMap<i64, (i64, i64)>,
    rev: i64,
    keys: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    lease_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    meta: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    cluster: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    mem: crate::members::Members,
    auth: crate::auth::Auth,
    /// Active alarms: (member id, alarm type), as etcd's alarm store.
    alarms: std::collections::BTreeSet<(u64, i32)>,
    alarm_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

const NOSPACE: i32 = 1;
const CORRUPT: i32 = 2;

/// `etcdserverpb.AlarmMember` as etcd stores it (the alarm bucket's key).
#[derive(Clone, PartialEq, prost::Message)]
struct AlarmMember {
    #[prost(uint64, tag = "1")]
    member_id: u64,
    #[prost(int32, tag = "2")]
    alarm: i32,
}

/// The applier an active alarm puts etcd in refuses some requests: with
/// CORRUPT every key and lease request, with NOSPACE puts (and txns that
/// put) and lease grants.
fn refused_by_alarm(st: &State<'_>, name: &str, body: &Value) -> bool {
    let active = |t: i32| st.alarms.iter().any(|(_, a)| *a == t);
    if active(CORRUPT) {
        return matches!(
            name,
            "put"
                | "range"
                | "delete_range"
                | "txn"
                | "compaction"
                | "lease_grant"
                | "lease_revoke"
        );
    }
    if active(NOSPACE) {
        fn puts(t: &Value) -> bool {
            ["success", "failure"].iter().any(|b| {
                as_list(field(t, b)).iter().any(|op| {
                    op.get("request_put").is_some() || op.get("request_txn").is_some_and(puts)
                })
            })
        }
        return match name {
            "put" | "lease_grant" => true,
            "txn" => puts(body),
            _ => false,
        };
    }
    false
}

pub(crate) fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(m) => m
            .get("hex")
            .and_then(Value::as_str)
            .map(|h| {
                (0..h.len() / 2)
                    .filter_map(|i| {
                        h.get(2 * i..2 * i + 2)
                            .and_then(|b| u8::from_str_radix(b, 16).ok())
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn field<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get(k).unwrap_or(&Value::Null)
}

fn int(v: &Value, k: &str) -> i64 {
    field(v, k).as_i64().unwrap_or(0)
}

fn rev_key(main: i64, sub: i64, tomb: bool) -> Vec<u8> {
    Revision { main, sub }.to_key(tomb)
}

/// Keys of `[key, range_end)` as etcd reads a range: an empty end is the
/// key alone, `\0` every key from `key` on.
fn in_range(live: &BTreeMap<Vec<u8>, Live>, key: &[u8], end: &[u8]) -> Vec<Vec<u8>> {
    if end.is_empty() {
        return live
            .contains_key(key)
            .then(|| key.to_vec())
            .into_iter()
            .collect();
    }
    live.range(key.to_vec()..)
        .take_while(|(k, _)| end == b"\0" || k.as_slice() < end)
        .map(|(k, _)| k.clone())
        .collect()
}

/// One write transaction: changes at revision `rev`, sub-revisions in order.
struct Txn<'s, 'a> {
    st: &'s mut State<'a>,
    sub: i64,
}

impl Txn<'_, '_> {
    fn rev(&self) -> i64 {
        self.st.rev + 1
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>, lease: i64) {
        let rev = self.rev();
        let (create, version) = match self.st.live.get(&key) {
            Some(p) => (p.create, p.version + 1),
            None => (rev, 1),
        };
        let kv = KeyValue {
            key: key.clone(),
            create_revision: create,
            mod_revision: rev,
            version,
            value: value.clone(),
            lease,
        };
        self.st
            .keys
            .insert(rev_key(rev, self.sub, false), Some(kv.encode_to_vec()));
        self.sub += 1;
        self.st.live.insert(
            key,
            Live {
                value: Cow::Owned(value),
                create,
                modr: rev,
                version,
                lease,
            },
        );
    }

    fn delete(&mut self, key: &[u8], end: &[u8]) {
        let rev = self.rev();
        for k in in_range(&self.st.live, key, end) {
            let kv = KeyValue {
                key: k.clone(),
                ..KeyValue::default()
            };
            self.st
                .keys
                .insert(rev_key(rev, self.sub, true), Some(kv.encode_to_vec()));
            self.sub += 1;
            self.st.live.remove(&k);
        }
    }

    fn end(self) {
        if self.sub > 0 {
            self.st.rev += 1;
        }
    }
}

fn compare_ok(st: &State<'_>, c: &Value) -> bool {
    let key = bytes_of(field(c, "key"));
    let end = bytes_of(field(c, "range_end"));
    let target = field(c, "target").as_str().unwrap_or("VERSION");
    let result = field(c, "result").as_str().unwrap_or("EQUAL");
    let check = |kv: Option<&Live>| {
        let ord = match target {
            "VALUE" => kv
                .map_or(&[][..], |k| &k.value[..])
                .cmp(bytes_of(field(c, "value")).as_slice()),
            "CREATE" => kv.map_or(0, |k| k.create).cmp(&int(c, "create_revision")),
            "MOD" => kv.map_or(0, |k| k.modr).cmp(&int(c, "mod_revision")),
            "LEASE" => kv.map_or(0, |k| k.lease).cmp(&int(c, "lease")),
            _ => kv.map_or(0, |k| k.version).cmp(&int(c, "version")),
        };
        match result {
            "GREATER" => ord.is_gt(),
            "LESS" => ord.is_lt(),
            "NOT_EQUAL" => ord.is_ne(),
            _ => ord.is_eq(),
        }
    };
    let keys = in_range(&st.live, &key, &end);
    if keys.is_empty() {
        // etcd: a value compare on a missing key always fails.
        return target != "VALUE" && check(None);
    }
    keys.iter().all(|k| check(st.live.get(k)))
}

/// Applies the operations of a txn branch (nested txns recursively).
fn apply_ops(t: &mut Txn<'_, '_>, ops: &[Value]) {
    for op in ops {
        if let Some(p) = op.get("request_put") {
            put_in(t, p);
        } else if let Some(d) = op.get("request_delete_range") {
            t.delete(&bytes_of(field(d, "key")), &bytes_of(field(d, "range_end")));
        } else if let Some(n) = op.get("request_txn") {
            let ok = as_list(field(n, "compare"))
                .iter()
                .all(|c| compare_ok(t.st, c));
            let branch = if ok { "success" } else { "failure" };
            let ops = as_list(field(n, branch));
            apply_ops(t, &ops);
        }
    }
}

fn put_in(t: &mut Txn<'_, '_>, p: &Value) {
    let key = bytes_of(field(p, "key"));
    let prev = t.st.live.get(&key).cloned();
    let value = if field(p, "ignore_value").as_bool() == Some(true) {
        prev.as_ref().map(|x| x.value.to_vec()).unwrap_or_default()
    } else {
        bytes_of(field(p, "value"))
    };
    let lease = if field(p, "ignore_lease").as_bool() == Some(true) {
        prev.as_ref().map_or(0, |x| x.lease)
    } else {
        int(p, "lease")
    };
    t.put(key, value, lease);
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Every put in `ops` (nested included) names an existing lease, or no
/// lease (etcd checks this before a txn and fails it otherwise).
fn leases_exist(st: &State<'_>, ops: &[Value]) -> bool {
    ops.iter().all(|op| {
        if let Some(p) = op.get("request_put") {
            let l = int(p, "lease");
            l == 0 || st.leases.contains_key(&l)
        } else if let Some(n) = op.get("request_txn") {
            leases_exist(st, &as_list(field(n, "success")))
                && leases_exist(st, &as_list(field(n, "failure")))
        } else {
            true
        }
    })
}

/// The permission checks etcd makes when it applies a key or lease request
/// with auth enabled: false when the request fails them (and so changes
/// nothing).
fn permitted(st: &State<'_>, header: &Value, name: &str, body: &Value) -> bool {
    let checked = matches!(name, "put" | "delete_range" | "txn" | "lease_revoke");
    if !checked {
        return true;
    }
    let user = match st.auth.subject(header) {
        Ok(None) => return true,
        Ok(Some(u)) => u,
        Err(()) => return false,
    };
    let can = |key: &[u8], end: &[u8], want: i32| st.auth.permitted(user, key, end, want);
    // Every key attached to a lease must be writable to put with it or
    // revoke it.
    let lease_keys_ok = |id: i64| {
        id == 0
            || st
                .live
                .iter()
                .filter(|(_, l)| l.lease == id)
                .all(|(k, _)| can(k, b"", 1))
    };
    /// May the user read (0) or write (1) a key or range?
    type Can<'c> = &'c dyn Fn(&[u8], &[u8], i32) -> bool;
    fn ops_ok(op: &Value, can: Can<'_>, lease_ok: &dyn Fn(i64) -> bool) -> bool {
        if let Some(p) = op.get("request_put").or_else(|| op.get("put")) {
            let key = bytes_of(field(p, "key"));
            can(&key, b"", 1)
                && (field(p, "prev_kv").as_bool() != Some(true) || can(&key, b"", 0))
                && lease_ok(int(p, "lease"))
        } else if let Some(d) = op
            .get("request_delete_range")
            .or_else(|| op.get("delete_range"))
        {
            let (k, e) = (bytes_of(field(d, "key")), bytes_of(field(d, "range_end")));
            can(&k, &e, 1) && (field(d, "prev_kv").as_bool() != Some(true) || can(&k, &e, 0))
        } else if let Some(r) = op.get("request_range") {
            can(
                &bytes_of(field(r, "key")),
                &bytes_of(field(r, "range_end")),
                0,
            )
        } else if let Some(t) = op.get("request_txn").or_else(|| op.get("txn")) {
            as_list(field(t, "compare")).iter().all(|c| {
                can(
                    &bytes_of(field(c, "key")),
                    &bytes_of(field(c, "range_end")),
                    0,
                )
            }) && as_list(field(t, "success"))
                .iter()
                .chain(as_list(field(t, "failure")).iter())
                .all(|o| ops_ok(o, can, lease_ok))
        } else {
            true
        }
    }
    if name == "lease_revoke" {
        return lease_keys_ok(int(body, "ID"));
    }
    let mut wrapped = serde_json::Map::new();
    wrapped.insert(name.to_string(), body.clone());
    ops_ok(&Value::Object(wrapped), &can, &lease_keys_ok)
}

fn apply(st: &mut State<'_>, req: &Value) -> Result<(), String> {
    let obj = req.as_object().ok_or("request is not an object")?;
    let header = field(req, "header");
    for (name, body) in obj {
        if !permitted(st, header, name, body) {
            continue;
        }
        if refused_by_alarm(st, name, body) {
            continue;
        }
        if name.starts_with("auth") && st.auth.apply(name, body)? {
            continue;
        }
        match name.as_str() {
            "header" | "ID" => {}
            "put" => {
                let p = body;
                let key = bytes_of(field(p, "key"));
                let l = int(p, "lease");
                let needs_prev = field(p, "ignore_value").as_bool() == Some(true)
                    || field(p, "ignore_lease").as_bool() == Some(true);
                if (l != 0
                    && !st.leases.contains_key(&l)
                    && field(p, "ignore_lease").as_bool() != Some(true))
                    || (needs_prev && !st.live.contains_key(&key))
                {
                    continue;
                }
                let mut t = Txn { st, sub: 0 };
                put_in(&mut t, p);
                t.end();
            }
            "delete_range" => {
                let mut t = Txn { st, sub: 0 };
                t.delete(
                    &bytes_of(field(body, "key")),
                    &bytes_of(field(body, "range_end")),
                );
                t.end();
            }
            "txn" => {
                let ok = as_list(field(body, "compare"))
                    .iter()
                    .all(|c| compare_ok(st, c));
                let ops = as_list(field(body, if ok { "success" } else { "failure" }));
                if !leases_exist(st, &ops) {
                    continue;
                }
                let mut t = Txn { st, sub: 0 };
                apply_ops(&mut t, &ops);
                t.end();
            }
            "range" => {}
            "compaction" => {
                let r = int(body, "revision");
                if r > 0 && r <= st.rev {
                    st.meta.insert(
                        names::SCHEDULED_COMPACT_REV.to_vec(),
                        Some(rev_key(r, 0, false)),
                    );
                }
            }
            "alarm" => {
                let member = field(body, "memberID").as_u64().unwrap_or(0);
                let alarm = match field(body, "alarm").as_str() {
                    Some("NOSPACE") => NOSPACE,
                    Some("CORRUPT") => CORRUPT,
                    _ => 0,
                };
                let key = AlarmMember {
                    member_id: member,
                    alarm,
                }
                .encode_to_vec();
                match field(body, "action").as_str() {
                    Some("ACTIVATE") if alarm != 0 && st.alarms.insert((member, alarm)) => {
                        st.alarm_edits.insert(key, Some(Vec::new()));
                    }
                    Some("DEACTIVATE") if st.alarms.remove(&(member, alarm)) => {
                        st.alarm_edits.insert(key, None);
                    }
                    _ => {}
                }
            }
            "lease_grant" => {
                let (id, ttl) = (int(body, "ID"), int(body, "TTL"));
                if id != 0 && !st.leases.contains_key(&id) {
                    st.leases.insert(id, (ttl, 0));
                    let l = Lease {
                        id,
                        ttl,
                        remaining_ttl: 0,
                    };
                    st.lease_edits
                        .insert(id.to_be_bytes().to_vec(), Some(l.encode_to_vec()));
                }
            }
            "lease_revoke" => {
                let id = int(body, "ID");
                if st.leases.remove(&id).is_some() {
                    let keys: Vec<Vec<u8>> = st
                        .live
                        .iter()
                        .filter(|(_, v)| v.lease == id)
                        .map(|(k, _)| k.clone())
                        .collect();
                    let mut t = Txn { st, sub: 0 };
                    for k in keys {
                        t.delete(&k, b"");
                    }
                    t.end();
                    st.lease_edits.insert(id.to_be_bytes().to_vec(), None);
                }
            }
            "lease_checkpoint" => {
                for c in as_list(field(body, "checkpoints")) {
                    let (id, rem) = (int(&c, "ID"), int(&c, "remaining_TTL"));
                    if let Some((ttl, r)) = st.leases.get_mut(&id) {
                        *r = rem;
                        let l = Lease {
                            id,
                            ttl: *ttl,
                            remaining_ttl: rem,
                        };
                        st.lease_edits
                            .insert(id.to_be_bytes().to_vec(), Some(l.encode_to_vec()));
                    }
                }
            }
            "cluster_version_set" => {
                let ver = bytes_of(field(body, "ver"));
                st.cluster
                    .insert(names::CLUSTER_VERSION.to_vec(), Some(ver));
            }
            "cluster_member_attr_set" => {
                let id = field(body, "member_ID").as_u64().unwrap_or(0);
                let hex = format!("{id:x}");
                let attrs = field(body, "member_attributes");
                if let Some(m) = st.mem.json.get_mut(&hex) {
                    if let Some(o) = m.as_object_mut() {
                        let name =
                            String::from_utf8_lossy(&bytes_of(field(attrs, "name"))).into_owned();
                        if !name.is_empty() {
                            o.insert("name".into(), Value::String(name));
                        }
                        let urls: Vec<Value> = as_list(field(attrs, "client_urls"))
                            .iter()
                            .map(|u| {
                                Value::String(String::from_utf8_lossy(&bytes_of(u)).into_owned())
                            })
                            .collect();
                        if !urls.is_empty() {
                            o.insert("clientURLs".into(), Value::Array(urls));
                        }
                    }
                    st.mem.save(&hex);
                }
            }
            other => return Err(format!("a {other} request")),
        }
    }
    Ok(())
}

/// A member record of the replayed state as etcd marshals it.
pub(crate) fn member_json(m: &Value) -> String {
    let urls = |k: &str| -> Vec<String> {
        as_list(field(m, k))
            .iter()
            .filter_map(|u| u.as_str().map(str::to_string))
            .collect()
    };
    MemberRecord {
        id: field(m, "id").as_u64().unwrap_or(0),
        peer_urls: urls("peerURLs"),
        is_learner: field(m, "isLearner").as_bool() == Some(true),
        name: field(m, "name").as_str().unwrap_or_default().to_string(),
        client_urls: urls("clientURLs"),
    }
    .to_json()
}

/// Replays the committed entries of `wal` past the db's consistent index.
/// Returns the bucket edits that make the db the latest state, and what
/// was done; `Ok(None)` when there is nothing to replay.
pub fn replay(
    db: &Db<'_>,
    wal: &etcdsnap_wal::reader::Wal,
    consistent_index: u64,
) -> Result<Option<(Edits, ReplaySummary)>, Error> {
    let commit = wal.hard_state.as_ref().map_or(0, |h| h.commit);
    let todo: Vec<&etcdsnap_wal::proto::Entry> = wal
        .entries
        .iter()
        .filter(|e| e.index > consistent_index && e.index <= commit)
        .collect();
    let Some(last) = todo.last() else {
        return Ok(None);
    };
    let all = Selector {
        key: Vec::new(),
        prefix: true,
    };
    let r = extract::range(db, &all, 0)?;
    let mut st = State {
        live: r
            .kvs
            .iter()
            .map(|kv| {
                (
                    kv.key.to_vec(),
                    Live {
                        value: Cow::Borrowed(kv.value),
                        create: kv.create_revision,
                        modr: kv.mod_revision,
                        version: kv.version,
                        lease: kv.lease,
                    },
                )
            })
            .collect(),
        leases: HashMap::new(),
        rev: r.head,
        keys: BTreeMap::new(),
        lease_edits: BTreeMap::new(),
        meta: BTreeMap::new(),
        cluster: BTreeMap::new(),
        mem: crate::members::Members::load(db)?,
        auth: crate::auth::Auth::load(db)?,
        alarms: Default::default(),
        alarm_edits: BTreeMap::new(),
    };
    if let Some(ab) = db.root_bucket().sub_bucket(db, names::ALARM)? {
        for e in ab.iter(db) {
            let e = e?;
            if let Ok(a) = AlarmMember::decode(e.key) {
                st.alarms.insert((a.member_id, a.alarm));
            }
        }
    }
    let root = db.root_bucket();
    if let Some(lb) = root.sub_bucket(db, names::LEASE)? {
        for e in lb.iter(db) {
            let e = e?;
            if let Ok(l) = Lease::decode(e.value) {
                st.leases.insert(l.id, (l.ttl, l.remaining_ttl));
            }
        }
    }
    let before = st.rev;
    for e in &todo {
        match e.r#type {
            0 if e.data.is_empty() => {}
            0 => {
                let req = etcdsnap_wal::request::internal_json(&e.data).ok_or_else(|| {
                    Error::Entry(format!(
                        "WAL entry {} is not an etcd v3 request; cannot replay it",
                        e.index
                    ))
                })?;
                apply(&mut st, &req).map_err(|what| {
                    Error::Entry(format!(
                        "WAL entry {} is {what}, which offline replay does not apply",
                        e.index
                    ))
                })?;
            }
            1 => {
                let cc = etcdsnap_wal::proto::ConfChange::decode(e.data.as_slice()).map_err(|err| {
                    Error::Entry(format!("WAL entry {} is a conf change that does not decode: {err}", e.index))
                })?;
                st.mem
                    .apply(cc.r#type, cc.node_id, cc.context.as_deref().unwrap_or_default())
                    .map_err(|what| {
                        Error::Entry(format!(
                            "WAL entry {} is {what}, which offline replay does not apply",
                            e.index
                        ))
                    })?;
            }
            _ => {
                return Err(Error::Entry(format!(
                    "WAL entry {} is a joint-consensus conf change (ConfChangeV2), which etcd does not write and offline replay does not apply",
                    e.index
                )))
            }
        }
    }
    st.meta.insert(
        names::CONSISTENT_INDEX.to_vec(),
        Some(last.index.to_be_bytes().to_vec()),
    );
    st.meta
        .insert(names::TERM.to_vec(), Some(last.term.to_be_bytes().to_vec()));
    if let Some(cs) = st.mem.conf_state.take() {
        st.meta.insert(names::CONF_STATE.to_vec(), Some(cs));
    }
    let summary = ReplaySummary {
        from_index: consistent_index,
        to_index: last.index,
        entries: todo.len() as u64,
        revisions: (before, st.rev),
    };
    let mut edits = Edits::new();
    for (name, puts) in [
        (names::KEY, st.keys),
        (names::LEASE, st.lease_edits),
        (names::META, st.meta),
        (names::MEMBERS, st.mem.member_edits),
        (names::MEMBERS_REMOVED, st.mem.removed_edits),
        (names::CLUSTER, st.cluster),
        (names::AUTH, st.auth.auth_edits),
        (names::AUTH_USERS, st.auth.user_edits),
        (names::AUTH_ROLES, st.auth.role_edits),
        (names::ALARM, st.alarm_edits),
    ] {
        if !puts.is_empty() {
            edits.insert(name.to_vec(), BucketEdit { clear: false, puts });
        }
    }
    Ok(Some((edits, summary)))
}
