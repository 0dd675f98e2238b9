//! The latest state of a stopped (or killed) member: the committed WAL
//! entries past the db's `consistent_index` applied to the db as etcd 3.5
//! applies them on restart, giving the bucket changes to write.
//!
//! Each normal entry is decoded once into etcd's typed
//! `InternalRaftRequest` ([`etcdsnap_wal::etcdserverpb`], decoded as etcd
//! decodes it); its request (the first it holds, in the order etcd's apply
//! loop tests them) is applied as etcd 3.5.1's appliers apply it:
//!
//! - puts, delete ranges and txns: compares (nested txns' too) evaluated
//!   before the txn's writes, the puts and ranges on its path checked
//!   before any write, top-level ranges dropped as on restart;
//! - compactions (the compact revision only moves forward), lease grants,
//!   revokes (the lease's keys deleted in one revision, in key order,
//!   found through an index of the keys attached to each lease) and
//!   checkpoints;
//! - users, roles, permissions, auth enable and disable; with
//!   auth on, the admin check on auth changes and the permission checks
//!   on key and lease requests;
//! - alarms, with etcd's appliers as its alarm history leaves them (the
//!   refusals of NOSPACE and CORRUPT; no auth checks after an alarm is
//!   raised until it is cleared or etcd restarts);
//! - member attribute and cluster version updates, and conf changes (add,
//!   add as learner, promote, remove, update: the membership buckets and
//!   the conf state, after etcd's validation);
//! - empty entries only move the consistent index.
//!
//! A payload that does not decode, an entry etcd stops on (no request it
//! knows, a request with neither ID nor header, ...), and requests offline
//! replay does not apply (v2 requests, downgrades) end the replay with an
//! error naming the entry, rather than being guessed at.
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
mod leases;
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
use std::collections::BTreeMap;

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Selector};
use etcdsnap_schema::proto::{KeyValue, Lease};
use etcdsnap_schema::{names, Revision};
use etcdsnap_wal::etcdserverpb::{
    compare::TargetUnion, request_op::Request as Op, AlarmAction, AlarmRequest, AlarmType,
    ClusterMemberAttrSetRequest, ClusterVersionSetRequest, CompactionRequest, Compare,
    CompareResult, CompareTarget, DeleteRangeRequest, InternalRaftRequest, LeaseCheckpointRequest,
    LeaseGrantRequest, LeaseRevokeRequest, PutRequest, RequestHeader, RequestOp, TxnRequest,
};
use prost::Message;

use etcdsnap_bbolt::rewrite::{BucketEdit, Edits};

use crate::auth::AuthReq;

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
    leases: crate::leases::Leases,
    rev: i64,
    /// The compact revision (-1: never compacted).
    compact: i64,
    keys: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    lease_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    meta: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    cluster: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    mem: crate::members::Members,
    auth: crate::auth::Auth,
    /// Active alarms: (member id, alarm type), as etcd's alarm store.
    alarms: std::collections::BTreeSet<(u64, i32)>,
    appliers: Appliers,
    alarm_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

const NOSPACE: i32 = AlarmType::Nospace as i32;
const CORRUPT: i32 = AlarmType::Corrupt as i32;

/// `etcdserverpb.AlarmMember` as etcd stores it (the alarm bucket's key).
#[derive(Clone, PartialEq, prost::Message)]
struct AlarmMember {
    #[prost(uint64, tag = "1")]
    member_id: u64,
    #[prost(int32, tag = "2")]
    alarm: i32,
}

/// The request of an entry that etcd applies: of the requests an
/// `InternalRaftRequest` may hold, the first set in the order etcd 3.5's
/// apply loop tests them.
enum Req<'r> {
    ClusterVersionSet(&'r ClusterVersionSetRequest),
    ClusterMemberAttrSet(&'r ClusterMemberAttrSetRequest),
    DowngradeInfoSet,
    Range,
    Put(&'r PutRequest),
    DeleteRange(&'r DeleteRangeRequest),
    Txn(&'r TxnRequest),
    Compaction(&'r CompactionRequest),
    LeaseGrant(&'r LeaseGrantRequest),
    LeaseRevoke(&'r LeaseRevokeRequest),
    LeaseCheckpoint(&'r LeaseCheckpointRequest),
    Alarm(&'r AlarmRequest),
    Auth(AuthReq<'r>),
}

impl<'r> Req<'r> {
    /// The request etcd applies from `r` (None when it holds none etcd
    /// applies; a v2 request is dealt with before).
    fn of(r: &'r InternalRaftRequest) -> Option<Self> {
        use AuthReq as A;
        let a = |x: Option<AuthReq<'r>>| x.map(Req::Auth);
        [
            r.cluster_version_set.as_ref().map(Req::ClusterVersionSet),
            r.cluster_member_attr_set
                .as_ref()
                .map(Req::ClusterMemberAttrSet),
            r.downgrade_info_set.as_ref().map(|_| Req::DowngradeInfoSet),
            r.range.as_ref().map(|_| Req::Range),
            r.put.as_ref().map(Req::Put),
            r.delete_range.as_ref().map(Req::DeleteRange),
            r.txn.as_ref().map(Req::Txn),
            r.compaction.as_ref().map(Req::Compaction),
            r.lease_grant.as_ref().map(Req::LeaseGrant),
            r.lease_revoke.as_ref().map(Req::LeaseRevoke),
            r.lease_checkpoint.as_ref().map(Req::LeaseCheckpoint),
            r.alarm.as_ref().map(Req::Alarm),
            a(r.authenticate.as_ref().map(|_| A::Authenticate)),
            a(r.auth_enable.as_ref().map(|_| A::Enable)),
            a(r.auth_disable.as_ref().map(|_| A::Disable)),
            a(r.auth_status.as_ref().map(|_| A::Status)),
            a(r.auth_user_add.as_ref().map(A::UserAdd)),
            a(r.auth_user_delete.as_ref().map(A::UserDelete)),
            a(r.auth_user_change_password
                .as_ref()
                .map(A::UserChangePassword)),
            a(r.auth_user_grant_role.as_ref().map(A::UserGrantRole)),
            a(r.auth_user_get.as_ref().map(|_| A::UserGet)),
            a(r.auth_user_revoke_role.as_ref().map(A::UserRevokeRole)),
            a(r.auth_role_add.as_ref().map(A::RoleAdd)),
            a(r.auth_role_grant_permission
                .as_ref()
                .map(A::RoleGrantPermission)),
            a(r.auth_role_get.as_ref().map(|_| A::RoleGet)),
            a(r.auth_role_revoke_permission
                .as_ref()
                .map(A::RoleRevokePermission)),
            a(r.auth_role_delete.as_ref().map(A::RoleDelete)),
            a(r.auth_user_list.as_ref().map(|_| A::UserList)),
            a(r.auth_role_list.as_ref().map(|_| A::RoleList)),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

/// Does a txn cost quota (etcd's `costTxn`: a put among the top-level ops
/// of either branch; nested txns are not counted)?
fn txn_puts(t: &TxnRequest) -> bool {
    t.success
        .iter()
        .chain(&t.failure)
        .any(|op| matches!(op.request, Some(Op::RequestPut(_))))
}

/// Which of etcd's appliers requests go through: its auth applier (the
/// permission checks), and the refusing appliers of the NOSPACE and
/// CORRUPT alarms.
///
/// They follow etcd's history rather than the active alarms: on start
/// etcd wraps its auth applier in the applier of each alarm the db holds;
/// when an alarm of a type none was active for is raised, etcd puts that
/// alarm's applier around its bare backend (no auth applier, nor the other
/// alarm's) until restart; when the last alarm of a type is cleared, it
/// goes back to its auth applier alone (`Alarm` in etcd's apply.go).
#[derive(Debug, Clone, Copy)]
struct Appliers {
    auth: bool,
    nospace: bool,
    corrupt: bool,
}

impl Appliers {
    /// Those of a member starting with `alarms` active.
    fn on_start(alarms: &std::collections::BTreeSet<(u64, i32)>) -> Self {
        Appliers {
            auth: true,
            nospace: alarms.iter().any(|(_, a)| *a == NOSPACE),
            corrupt: alarms.iter().any(|(_, a)| *a == CORRUPT),
        }
    }
}

/// The applier of an alarm refuses some requests: CORRUPT's every key and
/// lease request, NOSPACE's puts, txns that cost quota and lease grants.
fn refused_by_alarm(st: &State<'_>, req: &Req<'_>) -> bool {
    if st.appliers.corrupt {
        return matches!(
            req,
            Req::Put(_)
                | Req::Range
                | Req::DeleteRange(_)
                | Req::Txn(_)
                | Req::Compaction(_)
                | Req::LeaseGrant(_)
                | Req::LeaseRevoke(_)
        );
    }
    if st.appliers.nospace {
        return match req {
            Req::Put(_) | Req::LeaseGrant(_) => true,
            Req::Txn(t) => txn_puts(t),
            _ => false,
        };
    }
    false
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
        let (create, version, old_lease) = match self.st.live.get(&key) {
            Some(p) => (p.create, p.version + 1, Some(p.lease)),
            None => (rev, 1, None),
        };
        if old_lease != Some(lease) {
            if let Some(old) = old_lease {
                self.st.leases.detach(old, &key);
            }
            self.st.leases.attach(lease, &key);
        }
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
            if let Some(gone) = self.st.live.remove(&k) {
                self.st.leases.detach(gone.lease, &k);
            }
        }
    }

    fn end(self) {
        if self.sub > 0 {
            self.st.rev += 1;
        }
    }
}

/// etcd's `compareKV`: a target or result etcd does not know compares
/// equal and holds.
fn compare_kv(c: &Compare, kv: Option<&Live>) -> bool {
    let union = c.target_union.as_ref();
    let int =
        |have: fn(&Live) -> i64, want: Option<i64>| kv.map_or(0, have).cmp(&want.unwrap_or(0));
    let ord = match CompareTarget::try_from(c.target) {
        Ok(CompareTarget::Value) => {
            let want = match union {
                Some(TargetUnion::Value(v)) => v.as_slice(),
                _ => &[],
            };
            kv.map_or(&[][..], |k| &k.value[..]).cmp(want)
        }
        Ok(CompareTarget::Create) => int(
            |k| k.create,
            match union {
                Some(TargetUnion::CreateRevision(r)) => Some(*r),
                _ => None,
            },
        ),
        Ok(CompareTarget::Mod) => int(
            |k| k.modr,
            match union {
                Some(TargetUnion::ModRevision(r)) => Some(*r),
                _ => None,
            },
        ),
        Ok(CompareTarget::Version) => int(
            |k| k.version,
            match union {
                Some(TargetUnion::Version(v)) => Some(*v),
                _ => None,
            },
        ),
        Ok(CompareTarget::Lease) => int(
            |k| k.lease,
            match union {
                Some(TargetUnion::Lease(l)) => Some(*l),
                _ => None,
            },
        ),
        Err(_) => std::cmp::Ordering::Equal,
    };
    match CompareResult::try_from(c.result) {
        Ok(CompareResult::Equal) => ord.is_eq(),
        Ok(CompareResult::NotEqual) => ord.is_ne(),
        Ok(CompareResult::Greater) => ord.is_gt(),
        Ok(CompareResult::Less) => ord.is_lt(),
        Err(_) => true,
    }
}

fn compare_ok(st: &State<'_>, c: &Compare) -> bool {
    let keys = in_range(&st.live, &c.key, &c.range_end);
    if keys.is_empty() {
        // etcd: a value compare on a missing key always fails.
        return c.target != CompareTarget::Value as i32 && compare_kv(c, None);
    }
    keys.iter().all(|k| compare_kv(c, st.live.get(k)))
}

fn branch(t: &TxnRequest, ok: bool) -> &[RequestOp] {
    if ok {
        &t.success
    } else {
        &t.failure
    }
}

/// etcd's `compareToPath`: the compares of the txn, and of the nested txns
/// on the branches taken, all evaluated against the state before the txn,
/// in the order the branches are walked.
fn compare_path(st: &State<'_>, t: &TxnRequest, path: &mut Vec<bool>) {
    let ok = t.compare.iter().all(|c| compare_ok(st, c));
    path.push(ok);
    for op in branch(t, ok) {
        if let Some(Op::RequestTxn(n)) = &op.request {
            compare_path(st, n, path);
        }
    }
}

/// etcd's `checkRequests`: `f` over the ops on the txn's path, nested txns
/// walked in place; false at the first op it fails.
fn ops_on_path(
    t: &TxnRequest,
    path: &[bool],
    at: &mut usize,
    f: &mut dyn FnMut(&RequestOp) -> bool,
) -> bool {
    let ok = path.get(*at).copied().unwrap_or(false);
    *at += 1;
    for op in branch(t, ok) {
        let passed = match &op.request {
            Some(Op::RequestTxn(n)) => ops_on_path(n, path, at, f),
            _ => f(op),
        };
        if !passed {
            return false;
        }
    }
    true
}

/// etcd's `checkRequestPut` and `checkRequestRange`, against the state
/// before the txn: a put keeping the key's value or lease needs the key, a
/// put with a lease needs the lease, a range at a revision needs it
/// between the compact revision and the head.
fn txn_op_valid(st: &State<'_>, op: &RequestOp) -> bool {
    match &op.request {
        Some(Op::RequestPut(p)) => {
            (!(p.ignore_value || p.ignore_lease) || st.live.contains_key(&p.key))
                && (p.lease == 0 || st.leases.granted.contains_key(&p.lease))
        }
        Some(Op::RequestRange(r)) => {
            r.revision == 0 || (r.revision <= st.rev && r.revision >= st.compact)
        }
        _ => true,
    }
}

/// Applies the ops on the txn's path, nested txns in place.
fn apply_path(
    t: &mut Txn<'_, '_>,
    txn: &TxnRequest,
    path: &[bool],
    at: &mut usize,
) -> Result<(), String> {
    let ok = path.get(*at).copied().unwrap_or(false);
    *at += 1;
    for op in branch(txn, ok) {
        match &op.request {
            Some(Op::RequestPut(p)) => put_in(t, p)?,
            Some(Op::RequestDeleteRange(d)) => t.delete(&d.key, &d.range_end),
            Some(Op::RequestTxn(n)) => apply_path(t, n, path, at)?,
            Some(Op::RequestRange(_)) | None => {}
        }
    }
    Ok(())
}

/// A put, in a write transaction; Err when it keeps the value or lease of
/// a key that is not there (checked before a lone put; in a txn, a key
/// deleted earlier in the same txn: etcd 3.5 stops on it).
fn put_in(t: &mut Txn<'_, '_>, p: &PutRequest) -> Result<(), String> {
    let prev = t.st.live.get(&p.key);
    if (p.ignore_value || p.ignore_lease) && prev.is_none() {
        return Err(
            "a txn putting a key it deleted, keeping its value or lease (etcd stops on it)".into(),
        );
    }
    let value = if p.ignore_value {
        prev.map(|x| x.value.to_vec()).unwrap_or_default()
    } else {
        p.value.clone()
    };
    let lease = if p.ignore_lease {
        prev.map_or(0, |x| x.lease)
    } else {
        p.lease
    };
    t.put(p.key.clone(), value, lease);
    Ok(())
}

/// The txn as etcd applies it on restart: nobody waits for the results of
/// its top-level range ops, so etcd drops them first
/// (`removeNeedlessRangeReqs`), and their permission and revision checks
/// with them. None when there are none.
fn without_top_level_ranges(t: &TxnRequest) -> Option<TxnRequest> {
    let is_range = |op: &&RequestOp| matches!(op.request, Some(Op::RequestRange(_)));
    if !t.success.iter().chain(&t.failure).any(|op| is_range(&op)) {
        return None;
    }
    let keep = |ops: &[RequestOp]| ops.iter().filter(|op| !is_range(op)).cloned().collect();
    Some(TxnRequest {
        compare: t.compare.clone(),
        success: keep(&t.success),
        failure: keep(&t.failure),
    })
}

/// May the user read (READ) or write (WRITE) a key or range?
type Can<'c> = &'c dyn Fn(&[u8], &[u8], i32) -> bool;

const READ: i32 = 0;
const WRITE: i32 = 1;

fn put_permitted(p: &PutRequest, can: Can<'_>, lease_ok: &mut dyn FnMut(i64) -> bool) -> bool {
    can(&p.key, b"", WRITE) && (!p.prev_kv || can(&p.key, b"", READ)) && lease_ok(p.lease)
}

fn delete_permitted(d: &DeleteRangeRequest, can: Can<'_>) -> bool {
    can(&d.key, &d.range_end, WRITE) && (!d.prev_kv || can(&d.key, &d.range_end, READ))
}

/// etcd 3.5's `checkTxnAuth`: read on every compare's range; on the
/// top-level ops of both branches, read on ranges, write on puts' keys,
/// write (and read with `prev_kv`) on deleted ranges. Nested txns, and the
/// leases and `prev_kv` of puts, are not checked.
fn txn_permitted(t: &TxnRequest, can: Can<'_>) -> bool {
    t.compare.iter().all(|c| can(&c.key, &c.range_end, READ))
        && t.success
            .iter()
            .chain(&t.failure)
            .all(|op| match &op.request {
                Some(Op::RequestRange(r)) => can(&r.key, &r.range_end, READ),
                Some(Op::RequestPut(p)) => can(&p.key, b"", WRITE),
                Some(Op::RequestDeleteRange(d)) => delete_permitted(d, can),
                Some(Op::RequestTxn(_)) | None => true,
            })
}

/// The permission checks etcd makes when it applies a key or lease request
/// with auth enabled: false when the request fails them (and so changes
/// nothing).
fn permitted(st: &mut State<'_>, header: Option<&RequestHeader>, req: &Req<'_>) -> bool {
    let checked = matches!(
        req,
        Req::Put(_) | Req::DeleteRange(_) | Req::Txn(_) | Req::LeaseRevoke(_)
    );
    if !checked {
        return true;
    }
    let State { auth, leases, .. } = st;
    let user = match auth.subject(header) {
        Ok(None) => return true,
        Ok(Some(u)) => u,
        Err(()) => return false,
    };
    let can = |key: &[u8], end: &[u8], want: i32| auth.permitted(user, key, end, want);
    // Every key attached to a lease must be writable to put with it or
    // revoke it.
    let writable = |key: &[u8]| can(key, b"", WRITE);
    let rev = auth.revision();
    let mut lease_ok = |id: i64| id == 0 || leases.all_writable(id, &user.name, rev, &writable);
    match req {
        Req::Put(p) => put_permitted(p, &can, &mut lease_ok),
        Req::DeleteRange(d) => delete_permitted(d, &can),
        Req::Txn(t) => txn_permitted(t, &can),
        Req::LeaseRevoke(l) => lease_ok(l.id),
        _ => true,
    }
}

/// Applies what a v2 request changes in the v3 backend, as etcd 3.4 and
/// 3.5 do (`applierV2store.Put`: a member's published attributes, written
/// by every 3.4 start and a 3.5 first boot, update the `members` bucket;
/// `/0/version` sets `cluster/clusterVersion`). Reads and `SYNC` change
/// nothing there; other writes go to the v2 store alone, which replay does
/// not model, and are refused by name.
fn apply_v2(st: &mut State<'_>, r: &etcdsnap_wal::etcdserverpb::Request) -> Result<(), String> {
    let method = String::from_utf8_lossy(&r.method);
    let path = String::from_utf8_lossy(&r.path);
    match method.as_ref() {
        "QGET" | "GET" | "SYNC" | "HEAD" => return Ok(()),
        "PUT" => {}
        other => return Err(format!("a v2 {other} request on {path:?}")),
    }
    if path == "/0/version" {
        // etcd parses the value as a semantic version (and stops on one
        // that is not) and stores it printed back.
        let ver = String::from_utf8_lossy(&r.val);
        if !is_semver(&ver) {
            return Err(format!(
                "a v2 cluster version {ver:?} that is not a version (etcd stops on it)"
            ));
        }
        st.cluster.insert(
            names::CLUSTER_VERSION.to_vec(),
            Some(ver.into_owned().into_bytes()),
        );
        return Ok(());
    }
    let member = path
        .strip_prefix("/0/members/")
        .and_then(|rest| rest.strip_suffix("/attributes"))
        .filter(|id| !id.is_empty() && id.len() <= 16 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    if let Some(id) = member {
        let id = u64::from_str_radix(id, 16).map_err(|e| format!("a member id {id:?}: {e}"))?;
        #[derive(serde::Deserialize)]
        struct V2Attributes {
            #[serde(default)]
            name: String,
            #[serde(default, rename = "clientURLs")]
            client_urls: Vec<String>,
        }
        let a: V2Attributes = serde_json::from_slice(&r.val)
            .map_err(|e| format!("a v2 member attribute update that is not JSON ({e})"))?;
        let attrs = etcdsnap_wal::etcdserverpb::Attributes {
            name: a.name.into_bytes(),
            client_urls: a.client_urls.into_iter().map(String::into_bytes).collect(),
        };
        return st.mem.set_attributes(id, &attrs);
    }
    Err(format!(
        "a v2 PUT of {path:?} (the v2 store, which offline replay does not model)"
    ))
}

/// `major.minor.patch` with an optional pre-release or build suffix, as
/// Go's semver accepts it for etcd's versions.
fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Applies one request; Err names a request replay does not apply.
fn apply(st: &mut State<'_>, r: &InternalRaftRequest) -> Result<(), String> {
    if let Some(v2) = &r.v2 {
        return apply_v2(st, v2);
    }
    // etcd takes the request's id from the header when the old field is
    // unset, and stops (a nil header) when there is neither.
    if r.id == 0 && r.header.is_none() {
        return Err("a request with neither an ID nor a header (etcd stops on it)".into());
    }
    // On restart nobody waits for a result, and etcd does not apply a
    // request holding a read at all (`noSideEffect`), whatever else it
    // holds.
    if r.range.is_some()
        || r.auth_user_get.is_some()
        || r.auth_role_get.is_some()
        || r.auth_status.is_some()
    {
        return Ok(());
    }
    // A request etcd does not know how to apply stops it too.
    let Some(req) = Req::of(r) else {
        return Err("a request of no kind etcd 3.5 applies (etcd stops on it)".into());
    };
    let restarted;
    let req = match req {
        Req::Txn(t) => match without_top_level_ranges(t) {
            Some(t) => {
                restarted = t;
                Req::Txn(&restarted)
            }
            None => Req::Txn(t),
        },
        other => other,
    };
    if st.appliers.auth {
        if let Req::Auth(a) = &req {
            if a.needs_admin() && !st.auth.admin_permitted(r.header.as_ref()) {
                return Ok(());
            }
        }
        if !permitted(st, r.header.as_ref(), &req) {
            return Ok(());
        }
    }
    if refused_by_alarm(st, &req) {
        return Ok(());
    }
    match req {
        Req::Auth(a) => st.auth.apply(&a)?,
        Req::Range => {}
        Req::Put(p) => {
            // The lease named must exist (even when the put keeps the
            // key's lease), and a put keeping the value or lease needs
            // the key.
            if (p.lease != 0 && !st.leases.granted.contains_key(&p.lease))
                || ((p.ignore_value || p.ignore_lease) && !st.live.contains_key(&p.key))
            {
                return Ok(());
            }
            let mut t = Txn { st, sub: 0 };
            put_in(&mut t, p)?;
            t.end();
        }
        Req::DeleteRange(d) => {
            let mut t = Txn { st, sub: 0 };
            t.delete(&d.key, &d.range_end);
            t.end();
        }
        Req::Txn(txn) => {
            let mut path = Vec::new();
            compare_path(st, txn, &mut path);
            if !ops_on_path(txn, &path, &mut 0, &mut |op| txn_op_valid(st, op)) {
                return Ok(());
            }
            let mut t = Txn { st, sub: 0 };
            apply_path(&mut t, txn, &path, &mut 0)?;
            t.end();
        }
        Req::Compaction(c) => {
            // etcd's updateCompactRev: a revision at or below the compact
            // revision is already compacted, one past the head is in the
            // future; else it is the compact revision from now on, recorded
            // as scheduled.
            if c.revision > st.compact && c.revision <= st.rev {
                st.compact = c.revision;
                st.meta.insert(
                    names::SCHEDULED_COMPACT_REV.to_vec(),
                    Some(rev_key(c.revision, 0, false)),
                );
            }
        }
        Req::Alarm(a) => {
            let (member, alarm) = (a.member_id, a.alarm);
            let key = AlarmMember {
                member_id: member,
                alarm,
            }
            .encode_to_vec();
            let of_type = |st: &State<'_>| st.alarms.iter().filter(|(_, t)| *t == alarm).count();
            match AlarmAction::try_from(a.action) {
                Ok(AlarmAction::Activate) if alarm != AlarmType::None as i32 => {
                    let first = of_type(st) == 0;
                    if st.alarms.insert((member, alarm)) {
                        st.alarm_edits.insert(key, Some(Vec::new()));
                    }
                    if first {
                        if alarm != NOSPACE && alarm != CORRUPT {
                            return Err(format!(
                                "an alarm of type {alarm}, which etcd does not know (etcd stops on it)"
                            ));
                        }
                        st.appliers = Appliers {
                            auth: false,
                            nospace: alarm == NOSPACE,
                            corrupt: alarm == CORRUPT,
                        };
                    }
                }
                Ok(AlarmAction::Deactivate) if st.alarms.remove(&(member, alarm)) => {
                    st.alarm_edits.insert(key, None);
                    if of_type(st) == 0 && (alarm == NOSPACE || alarm == CORRUPT) {
                        st.appliers = Appliers::on_start(&Default::default());
                    }
                }
                // GET, and actions etcd does not know, change nothing.
                _ => {}
            }
        }
        Req::LeaseGrant(g) => {
            let (id, ttl) = (g.id, g.ttl);
            if id != 0 && !st.leases.granted.contains_key(&id) {
                st.leases.granted.insert(id, (ttl, 0));
                let l = Lease {
                    id,
                    ttl,
                    remaining_ttl: 0,
                };
                st.lease_edits
                    .insert(id.to_be_bytes().to_vec(), Some(l.encode_to_vec()));
            }
        }
        Req::LeaseRevoke(l) => {
            let id = l.id;
            if st.leases.granted.contains_key(&id) {
                let keys = st.leases.keys(id);
                let mut t = Txn { st, sub: 0 };
                for k in keys {
                    t.delete(&k, b"");
                }
                t.end();
                st.leases.revoked(id);
                st.lease_edits.insert(id.to_be_bytes().to_vec(), None);
            }
        }
        Req::LeaseCheckpoint(cp) => {
            for c in &cp.checkpoints {
                if let Some((ttl, r)) = st.leases.granted.get_mut(&c.id) {
                    *r = c.remaining_ttl;
                    let l = Lease {
                        id: c.id,
                        ttl: *ttl,
                        remaining_ttl: c.remaining_ttl,
                    };
                    st.lease_edits
                        .insert(c.id.to_be_bytes().to_vec(), Some(l.encode_to_vec()));
                }
            }
        }
        Req::ClusterVersionSet(v) => {
            st.cluster
                .insert(names::CLUSTER_VERSION.to_vec(), Some(v.ver.clone()));
        }
        Req::ClusterMemberAttrSet(m) => {
            let Some(attrs) = &m.member_attributes else {
                return Err(
                    "a member attribute update without attributes (etcd stops on it)".into(),
                );
            };
            st.mem.set_attributes(m.member_id, attrs)?;
        }
        Req::DowngradeInfoSet => return Err("a downgrade_info_set request".into()),
    }
    Ok(())
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
        leases: Default::default(),
        rev: r.head,
        compact: r.compact,
        keys: BTreeMap::new(),
        lease_edits: BTreeMap::new(),
        meta: BTreeMap::new(),
        cluster: BTreeMap::new(),
        mem: crate::members::Members::load(db)?,
        auth: crate::auth::Auth::load(db)?,
        alarms: Default::default(),
        appliers: Appliers::on_start(&Default::default()),
        alarm_edits: BTreeMap::new(),
    };
    for (k, l) in &st.live {
        st.leases.attach(l.lease, k);
    }
    if let Some(ab) = db.root_bucket().sub_bucket(db, names::ALARM)? {
        for e in ab.iter(db) {
            let e = e?;
            if let Ok(a) = AlarmMember::decode(e.key) {
                st.alarms.insert((a.member_id, a.alarm));
            }
        }
    }
    st.appliers = Appliers::on_start(&st.alarms);
    let root = db.root_bucket();
    if let Some(lb) = root.sub_bucket(db, names::LEASE)? {
        for e in lb.iter(db) {
            let e = e?;
            if let Ok(l) = Lease::decode(e.value) {
                st.leases.granted.insert(l.id, (l.ttl, l.remaining_ttl));
            }
        }
    }
    let before = st.rev;
    for e in &todo {
        match e.r#type {
            0 if e.data.is_empty() => {}
            0 => {
                // etcd tries an InternalRaftRequest first and falls back
                // to a bare v2 Request (what 3.4 and a 3.5 first boot
                // propose to publish attributes and the cluster version).
                let applied = match InternalRaftRequest::decode(e.data.as_slice()) {
                    Ok(req) => apply(&mut st, &req),
                    Err(err) => {
                        let v2 = etcdsnap_wal::etcdserverpb::Request::decode(e.data.as_slice())
                            .map_err(|_| {
                                Error::Entry(format!(
                                    "WAL entry {} is neither an etcd v3 request nor a v2 one; cannot replay it ({err})",
                                    e.index
                                ))
                            })?;
                        apply_v2(&mut st, &v2)
                    }
                };
                applied.map_err(|what| {
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
