//! The latest state of a stopped (or killed) member: the committed WAL
//! entries past the db's `consistent_index` applied to the db as etcd 3.5
//! applies them on restart, giving the bucket changes to write; under
//! etcd 3.6 and 3.7 rules ([`replay_as`]), with their differences: a v2
//! request is applied only as 3.6 converts it to v3 (a member's attributes
//! or the cluster version; anything else stops etcd 3.6, and every v2
//! request stops 3.7), and 3.6's test-only `downgrade_version_test` is
//! applied as nothing.
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
//! - member attribute, cluster version and downgrade updates (`cluster/downgrade`),
//!   and conf changes (add,
//!   add as learner, promote, remove, update: the membership buckets and
//!   the conf state, after etcd's validation);
//! - empty entries only move the consistent index.
//!
//! A payload that does not decode, an entry etcd stops on (no request it
//! knows, a request with neither ID nor header, ...), and requests offline
//! replay does not apply (v2 requests other than those above) end the replay with an
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

mod alarms;
mod auth;
mod kv;
mod leases;
mod members;
mod permissions;
mod v2;

use alarms::*;
use kv::*;
use permissions::*;
use v2::*;

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
use etcdsnap_schema::{names, EtcdVersion, Revision};
use etcdsnap_wal::etcdserverpb::{
    compare::TargetUnion, request_op::Request as Op, AlarmAction, AlarmRequest, AlarmType,
    ClusterMemberAttrSetRequest, ClusterVersionSetRequest, CompactionRequest, Compare,
    CompareResult, CompareTarget, DeleteRangeRequest, DowngradeInfoSetRequest, InternalRaftRequest,
    LeaseCheckpointRequest, LeaseGrantRequest, LeaseRevokeRequest, PutRequest, RequestHeader,
    RequestOp, TxnRequest,
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
    /// The release whose apply rules are followed.
    rules: EtcdVersion,
}

/// The request of an entry that etcd applies: of the requests an
/// `InternalRaftRequest` may hold, the first set in the order etcd 3.5's
/// apply loop tests them.
enum Req<'r> {
    ClusterVersionSet(&'r ClusterVersionSetRequest),
    ClusterMemberAttrSet(&'r ClusterMemberAttrSetRequest),
    DowngradeInfoSet(&'r DowngradeInfoSetRequest),
    DowngradeVersionTest,
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
    /// applies; a v2 request is dealt with before). `downgrade_version_test`
    /// is a request from etcd 3.6 on (v3.6.14
    /// `server/etcdserver/server.go:2065-2069`); earlier releases do not
    /// know its field.
    fn of(r: &'r InternalRaftRequest, rules: EtcdVersion) -> Option<Self> {
        use AuthReq as A;
        let a = |x: Option<AuthReq<'r>>| x.map(Req::Auth);
        [
            r.cluster_version_set.as_ref().map(Req::ClusterVersionSet),
            r.cluster_member_attr_set
                .as_ref()
                .map(Req::ClusterMemberAttrSet),
            r.downgrade_info_set.as_ref().map(Req::DowngradeInfoSet),
            r.downgrade_version_test
                .as_ref()
                .filter(|_| rules.minor() >= 6)
                .map(|_| Req::DowngradeVersionTest),
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
    let Some(req) = Req::of(r, st.rules) else {
        return Err(format!(
            "a request of no kind etcd {} applies (etcd stops on it)",
            st.rules
        ));
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
        Req::DowngradeInfoSet(d) => {
            // SetDowngradeInfo saves the state as JSON in cluster/downgrade:
            // the target only while enabled (v3.5.30
            // server/etcdserver/apply.go:958-964, v3.6.14
            // server/etcdserver/apply/apply.go:442-448,
            // server/storage/schema/membership.go:172-182).
            let target = if d.enabled {
                String::from_utf8_lossy(&d.ver).into_owned()
            } else {
                String::new()
            };
            let json = format!(
                "{{\"target-version\":{},\"enabled\":{}}}",
                etcdsnap_schema::gojson::string(&target),
                d.enabled
            );
            st.cluster
                .insert(names::CLUSTER_DOWNGRADE.to_vec(), Some(json.into_bytes()));
        }
        // etcd 3.6 applies it as nothing; only the consistent index moves.
        Req::DowngradeVersionTest => {}
    }
    Ok(())
}

/// Replays the committed entries of `wal` past the db's consistent index.
/// Returns the bucket edits that make the db the latest state, and what
/// was done; `Ok(None)` when there is nothing to replay.
///
/// The apply rules are those of the release that wrote the db
/// ([`etcdsnap_schema::release::detect`]: its storage version, else its
/// cluster version, else 3.5); [`replay_as`] names the release.
pub fn replay(
    db: &Db<'_>,
    wal: &etcdsnap_wal::reader::Wal,
    consistent_index: u64,
) -> Result<Option<(Edits, ReplaySummary)>, Error> {
    let rules = etcdsnap_schema::release::detect(db)
        .map(|c| c.version)
        .unwrap_or_default();
    replay_as(db, wal, consistent_index, rules)
}

/// [`replay`] under the apply rules of etcd `rules`.
pub fn replay_as(
    db: &Db<'_>,
    wal: &etcdsnap_wal::reader::Wal,
    consistent_index: u64,
    rules: EtcdVersion,
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
        rules,
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
