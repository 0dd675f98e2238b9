//! Requests applied over a real etcd 3.5.1 snapshot
//! (testdata/etcd/etcd-3.5.1.small.snapshot.db: keys /small/k1..k5 at
//! revisions 2..6, one member): each test writes typed requests as the
//! committed entries after the db's consistent index, replays them and
//! reads the result back through the rewrite, as `snapshot save` does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{buckets, entries_after, payloads, rewritten, Buckets, CONF, SMALL};
use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Selector};
use etcdsnap_schema::proto::{Lease, Role, User};
use etcdsnap_wal::etcdserverpb::*;
use prost::Message;

/// A live key: value, create and mod revision, version, lease.
type LiveKv = (Vec<u8>, i64, i64, i64, i64);

/// The state after a replay.
struct After {
    /// Live keys.
    kvs: BTreeMap<Vec<u8>, LiveKv>,
    /// The head revision.
    rev: i64,
    /// Every bucket's entries.
    buckets: Buckets,
}

impl After {
    fn value(&self, key: &str) -> Option<&[u8]> {
        self.kvs.get(key.as_bytes()).map(|v| v.0.as_slice())
    }
    fn bucket(&self, name: &str) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.buckets[name.as_bytes()]
    }
    fn users(&self) -> BTreeMap<String, User> {
        self.bucket("authUsers")
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    User::decode(v.as_slice()).unwrap(),
                )
            })
            .collect()
    }
    fn roles(&self) -> BTreeMap<String, Role> {
        self.bucket("authRoles")
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    Role::decode(v.as_slice()).unwrap(),
                )
            })
            .collect()
    }
    fn leases(&self) -> BTreeMap<i64, Lease> {
        self.bucket("lease")
            .values()
            .map(|v| {
                let l = Lease::decode(v.as_slice()).unwrap();
                (l.id, l)
            })
            .collect()
    }
}

/// Replays `data` (raw entry payloads) over the small snapshot.
fn replay_raw(data: Vec<Vec<u8>>) -> Result<After, etcdsnap_replay::Error> {
    let bytes = std::fs::read(SMALL).unwrap();
    let db = Db::open(&bytes).unwrap();
    let wal = entries_after(&db, data);
    let ci = etcdsnap_schema::meta::consistent_index(&db).unwrap();
    let (edits, _) = etcdsnap_replay::replay(&db, &wal, ci)?.expect("entries to replay");
    let bytes = rewritten(&db, &edits);
    let db = Db::open(&bytes).unwrap();
    let all = Selector {
        key: Vec::new(),
        prefix: true,
    };
    let r = extract::range(&db, &all, 0).unwrap();
    let kvs = r
        .kvs
        .iter()
        .map(|kv| {
            (
                kv.key.to_vec(),
                (
                    kv.value.to_vec(),
                    kv.create_revision,
                    kv.mod_revision,
                    kv.version,
                    kv.lease,
                ),
            )
        })
        .collect();
    Ok(After {
        kvs,
        rev: r.head,
        buckets: buckets(&db),
    })
}

fn replay(reqs: Vec<InternalRaftRequest>) -> After {
    replay_raw(payloads(reqs, 1000)).unwrap()
}

fn replay_err(reqs: Vec<InternalRaftRequest>) -> String {
    match replay_raw(payloads(reqs, 1000)) {
        Ok(_) => panic!("replayed"),
        Err(e) => e.to_string(),
    }
}

fn put(key: &str, value: &str) -> PutRequest {
    PutRequest {
        key: key.into(),
        value: value.into(),
        ..Default::default()
    }
}

fn irr_put(p: PutRequest) -> InternalRaftRequest {
    InternalRaftRequest {
        put: Some(p),
        ..Default::default()
    }
}

fn op_put(key: &str, value: &str) -> RequestOp {
    RequestOp {
        request: Some(request_op::Request::RequestPut(put(key, value))),
    }
}

fn op_del(key: &str) -> RequestOp {
    RequestOp {
        request: Some(request_op::Request::RequestDeleteRange(
            DeleteRangeRequest {
                key: key.into(),
                ..Default::default()
            },
        )),
    }
}

fn op_txn(t: TxnRequest) -> RequestOp {
    RequestOp {
        request: Some(request_op::Request::RequestTxn(t)),
    }
}

fn cmp(
    key: &str,
    target: CompareTarget,
    result: CompareResult,
    u: compare::TargetUnion,
) -> Compare {
    Compare {
        result: result as i32,
        target: target as i32,
        key: key.into(),
        target_union: Some(u),
        range_end: Vec::new(),
    }
}

fn irr_txn(t: TxnRequest) -> InternalRaftRequest {
    InternalRaftRequest {
        txn: Some(t),
        ..Default::default()
    }
}

#[test]
fn puts_deletes_and_txns() {
    let a = replay(vec![
        irr_put(put("/new", "1")),
        irr_put(put("/small/k1", "v1b")),
        InternalRaftRequest {
            delete_range: Some(DeleteRangeRequest {
                key: b"/small/k2".to_vec(),
                range_end: b"/small/k4".to_vec(),
                prev_kv: false,
            }),
            ..Default::default()
        },
        irr_txn(TxnRequest {
            compare: vec![cmp(
                "/small/k1",
                CompareTarget::Value,
                CompareResult::Equal,
                compare::TargetUnion::Value(b"v1b".to_vec()),
            )],
            success: vec![
                op_put("/txn/yes", "y"),
                op_txn(TxnRequest {
                    compare: vec![cmp(
                        "/small/k5",
                        CompareTarget::Version,
                        CompareResult::Greater,
                        compare::TargetUnion::Version(5),
                    )],
                    success: vec![op_put("/nested/yes", "")],
                    failure: vec![op_put("/nested/no", ""), op_del("/small/k5")],
                }),
            ],
            failure: vec![op_put("/txn/no", "n")],
        }),
    ]);
    assert_eq!(a.value("/new"), Some(&b"1"[..]));
    assert_eq!(a.kvs[&b"/small/k1".to_vec()], (b"v1b".to_vec(), 2, 8, 2, 0));
    assert!(a.value("/small/k2").is_none() && a.value("/small/k3").is_none());
    assert!(a.value("/small/k4").is_some());
    assert!(a.value("/txn/yes").is_some() && a.value("/txn/no").is_none());
    assert!(a.value("/nested/no").is_some() && a.value("/small/k5").is_none());
    assert!(a.value("/nested/yes").is_none());
    // One revision per request that changed something.
    assert_eq!(a.rev, 10);
}

#[test]
fn refusals_name_the_entry() {
    let ci = {
        let bytes = std::fs::read(SMALL).unwrap();
        let db = Db::open(&bytes).unwrap();
        etcdsnap_schema::meta::consistent_index(&db).unwrap()
    };
    // A v2 write to the v2 store alone (not a member's attributes or the
    // cluster version): replay does not model the v2 store.
    let v2 = InternalRaftRequest {
        v2: Some(Request {
            method: b"PUT".to_vec(),
            path: b"/1/some/key".to_vec(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = replay_err(vec![irr_put(put("/a", "")), v2]);
    assert_eq!(
        err,
        format!(
            "WAL entry {} is a v2 PUT of \"/1/some/key\" (the v2 store, which offline replay does not model), which offline replay does not apply",
            ci + 2
        )
    );
    // Neither an InternalRaftRequest nor a v2 Request: a length past the
    // end.
    let err = replay_raw(vec![vec![0x22, 0x05, 0x08]])
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "WAL entry {} is neither an etcd v3 request nor a v2 one; cannot replay it (",
            ci + 1
        )),
        "{err}"
    );
    // A downgrade request sets cluster/downgrade, as etcd 3.5's
    // SetDowngradeInfo does (v3.5.30 server/etcdserver/apply.go:958-964).
    let down = InternalRaftRequest {
        downgrade_info_set: Some(DowngradeInfoSetRequest {
            enabled: true,
            ver: b"3.4.0".to_vec(),
        }),
        ..Default::default()
    };
    let a = replay(vec![down]);
    assert_eq!(
        a.bucket("cluster")
            .get(&b"downgrade"[..])
            .map(Vec::as_slice),
        Some(&br#"{"target-version":"3.4.0","enabled":true}"#[..])
    );
}

#[test]
fn one_request_per_entry_in_etcds_order() {
    // etcd applies the first request it finds, in its apply loop's order:
    // put before delete_range.
    let both = InternalRaftRequest {
        put: Some(put("/small/k1", "again")),
        delete_range: Some(DeleteRangeRequest {
            key: b"/small/k1".to_vec(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let read_first = InternalRaftRequest {
        range: Some(RangeRequest::default()),
        put: Some(put("/never", "")),
        ..Default::default()
    };
    // On restart etcd applies nothing of a request holding a read.
    let with_a_read = InternalRaftRequest {
        auth_user_get: Some(AuthUserGetRequest::default()),
        put: Some(put("/never/either", "")),
        ..Default::default()
    };
    let a = replay(vec![both, read_first, with_a_read]);
    assert_eq!(a.value("/small/k1"), Some(&b"again"[..]));
    assert!(a.value("/never").is_none() && a.value("/never/either").is_none());
}

#[test]
fn decoded_as_etcd_decodes() {
    // A txn op holding request_put twice: gogo keeps the second message,
    // fresh (its value is not merged from the first).
    let mut op = op_put("/first", "x").encode_to_vec();
    op.extend(
        RequestOp {
            request: Some(request_op::Request::RequestPut(PutRequest {
                key: b"/second".to_vec(),
                ..Default::default()
            })),
        }
        .encode_to_vec(),
    );
    let mut txn = vec![0x12, op.len() as u8];
    txn.extend(op);
    // ID:1 txn{success{...}}
    let mut data = vec![0x08, 0x01, 0x32, txn.len() as u8];
    data.extend(txn);
    // A put whose key is written twice: the last wins.
    let mut twice = vec![
        0x08, 0x02, 0x22, 0x08, 0x0a, 0x02, b'/', b'a', 0x0a, 0x02, b'/', b'b',
    ];
    // And an unknown field, skipped.
    twice.extend([0x98, 0x06, 0x01]);
    let a = replay_raw(vec![data, twice]).unwrap();
    assert!(a.value("/first").is_none());
    assert_eq!(a.value("/second"), Some(&b""[..]));
    assert!(a.value("/a").is_none() && a.value("/b").is_some());
}

#[test]
fn compares_as_etcd_compares() {
    let t = |c: Compare| {
        irr_txn(TxnRequest {
            compare: vec![c],
            success: vec![op_put("/ok", "")],
            failure: vec![op_put("/failed", "")],
        })
    };
    let run = |c: Compare| {
        let a = replay(vec![t(c)]);
        (a.value("/ok").is_some(), a.value("/failed").is_some())
    };
    use compare::TargetUnion as U;
    use CompareResult as R;
    use CompareTarget as T;
    assert_eq!(
        run(cmp("/small/k1", T::Create, R::Equal, U::CreateRevision(2))),
        (true, false)
    );
    assert_eq!(
        run(cmp("/small/k1", T::Mod, R::Less, U::ModRevision(2))),
        (false, true)
    );
    assert_eq!(
        run(cmp("/small/k1", T::Lease, R::Equal, U::Lease(0))),
        (true, false)
    );
    assert_eq!(
        run(cmp(
            "/small/k1",
            T::Value,
            R::NotEqual,
            U::Value(b"v1".to_vec())
        )),
        (false, true)
    );
    // A value compare on a missing key fails; a version compare treats it
    // as version 0.
    assert_eq!(
        run(cmp("/none", T::Value, R::NotEqual, U::Value(b"x".to_vec()))),
        (false, true)
    );
    assert_eq!(
        run(cmp("/none", T::Version, R::Equal, U::Version(0))),
        (true, false)
    );
    // The union's member other than the target's compares with zero.
    assert_eq!(
        run(cmp("/small/k1", T::Version, R::Equal, U::ModRevision(1))),
        (false, true)
    );
    assert_eq!(
        run(cmp("/small/k1", T::Version, R::Greater, U::ModRevision(1))),
        (true, false)
    );
    // A result etcd does not know holds; a target it does not know
    // compares equal.
    let mut c = cmp("/small/k1", T::Version, R::Equal, U::Version(9));
    c.result = 9;
    assert_eq!(run(c), (true, false));
    let mut c = cmp("/small/k1", T::Version, R::NotEqual, U::Version(9));
    c.target = 9;
    assert_eq!(run(c), (false, true));
    // A range compare holds for every key of the range.
    let mut c = cmp("/small/k1", T::Version, R::Equal, U::Version(1));
    c.range_end = b"/small/k6".to_vec();
    assert_eq!(run(c), (true, false));
}

#[test]
fn leases_grant_attach_checkpoint_and_revoke() {
    let grant = |id: i64| InternalRaftRequest {
        lease_grant: Some(LeaseGrantRequest { ttl: 60, id }),
        ..Default::default()
    };
    let leased = |k: &str, id: i64| {
        irr_put(PutRequest {
            lease: id,
            ..put(k, "x")
        })
    };
    let a = replay(vec![
        grant(7),
        grant(8),
        leased("/l/a", 7),
        leased("/l/b", 7),
        leased("/l/c", 8),
        // No such lease: not applied.
        leased("/l/none", 9),
        InternalRaftRequest {
            lease_checkpoint: Some(LeaseCheckpointRequest {
                checkpoints: vec![LeaseCheckpoint {
                    id: 8,
                    remaining_ttl: 30,
                }],
            }),
            ..Default::default()
        },
        InternalRaftRequest {
            lease_revoke: Some(LeaseRevokeRequest { id: 7 }),
            ..Default::default()
        },
    ]);
    assert!(a.value("/l/a").is_none() && a.value("/l/b").is_none());
    assert_eq!(a.kvs[&b"/l/c".to_vec()].4, 8);
    assert!(a.value("/l/none").is_none());
    let leases = a.leases();
    assert_eq!(leases.keys().copied().collect::<Vec<_>>(), [8]);
    assert_eq!((leases[&8].ttl, leases[&8].remaining_ttl), (60, 30));
    // Three puts, then the revoke's deletes in one revision.
    assert_eq!(a.rev, 6 + 3 + 1);
}

fn header(user: &str, rev: u64) -> Option<RequestHeader> {
    Some(RequestHeader {
        id: 1,
        username: user.into(),
        auth_revision: rev,
    })
}

/// Root and a user `bob` allowed to write /bob/, then auth enabled (auth
/// revision 7 after these).
fn auth_setup() -> Vec<InternalRaftRequest> {
    etcdsnap_testsupport::requests::auth_with_user_limited_to("bob", "/bob/")
}

#[test]
fn auth_store_and_permission_checks() {
    let mut reqs = auth_setup();
    let as_user = |user: &str, rev: u64, p: PutRequest| InternalRaftRequest {
        header: header(user, rev),
        put: Some(p),
        ..Default::default()
    };
    reqs.extend([
        as_user("bob", 7, put("/bob/1", "mine")),
        as_user("bob", 7, put("/not-bob", "x")),
        // An auth revision older than the store's is refused.
        as_user("bob", 6, put("/bob/old", "x")),
        as_user("root", 7, put("/by-root", "r")),
        // No header: no user.
        irr_put(put("/anonymous", "x")),
    ]);
    let a = replay(reqs);
    assert!(a.value("/bob/1").is_some() && a.value("/by-root").is_some());
    assert!(a.value("/not-bob").is_none() && a.value("/bob/old").is_none());
    assert!(a.value("/anonymous").is_none());
    let users = a.users();
    assert_eq!(users["bob"].roles, ["bobrole"]);
    assert_eq!(users["root"].roles, ["root"]);
    assert_eq!(a.roles()["bobrole"].key_permission.len(), 1);
    assert_eq!(a.bucket("auth")[&b"authEnabled".to_vec()], [1]);
    assert_eq!(
        a.bucket("auth")[&b"authRevision".to_vec()],
        7u64.to_be_bytes()
    );
}

#[test]
fn a_nospace_alarm_refuses_puts() {
    let a = replay(vec![
        InternalRaftRequest {
            alarm: Some(AlarmRequest {
                action: AlarmAction::Activate as i32,
                member_id: 5,
                alarm: AlarmType::Nospace as i32,
            }),
            ..Default::default()
        },
        irr_put(put("/refused", "x")),
        InternalRaftRequest {
            delete_range: Some(DeleteRangeRequest {
                key: b"/small/k1".to_vec(),
                ..Default::default()
            }),
            ..Default::default()
        },
    ]);
    assert!(a.value("/refused").is_none());
    assert!(a.value("/small/k1").is_none(), "deletes are allowed");
    assert_eq!(a.bucket("alarm").len(), 1);
}

#[test]
fn leased_puts_and_revokes_with_auth_on() {
    let mut reqs = vec![
        InternalRaftRequest {
            lease_grant: Some(LeaseGrantRequest { ttl: 60, id: 7 }),
            ..Default::default()
        },
        InternalRaftRequest {
            lease_grant: Some(LeaseGrantRequest { ttl: 60, id: 8 }),
            ..Default::default()
        },
    ];
    reqs.extend(auth_setup());
    let as_user = |user: &str, req: InternalRaftRequest| InternalRaftRequest {
        header: header(user, 7),
        ..req
    };
    let leased = |k: &str, id: i64| {
        irr_put(PutRequest {
            lease: id,
            ..put(k, "x")
        })
    };
    let revoke = |id: i64| InternalRaftRequest {
        lease_revoke: Some(LeaseRevokeRequest { id }),
        ..Default::default()
    };
    reqs.extend([
        as_user("bob", leased("/bob/1", 7)),
        as_user("root", leased("/secret", 7)),
        // Lease 7 holds a key bob may not write: he may neither attach
        // to it nor revoke it.
        as_user("bob", leased("/bob/2", 7)),
        as_user("bob", revoke(7)),
        // A key moved to another lease leaves the first.
        as_user("root", leased("/bob/moved", 7)),
        as_user("root", leased("/bob/moved", 8)),
        as_user("bob", leased("/bob/3", 8)),
        as_user("bob", revoke(8)),
    ]);
    let a = replay(reqs.clone());
    assert!(a.value("/bob/1").is_some() && a.value("/secret").is_some());
    assert!(a.value("/bob/2").is_none());
    assert!(a.value("/bob/moved").is_none() && a.value("/bob/3").is_none());
    assert_eq!(a.leases().keys().copied().collect::<Vec<_>>(), [7]);
    // Root may revoke lease 7; its keys go in one revision.
    reqs.push(as_user("root", revoke(7)));
    let b = replay(reqs);
    assert!(b.value("/bob/1").is_none() && b.value("/secret").is_none());
    assert_eq!(b.rev, a.rev + 1);
}

fn range_op(key: &str, revision: i64) -> RequestOp {
    RequestOp {
        request: Some(request_op::Request::RequestRange(RangeRequest {
            key: key.into(),
            revision,
            ..Default::default()
        })),
    }
}

#[test]
fn txns_as_etcd_applies_them_on_restart() {
    use compare::TargetUnion as U;
    let k1_is = |v: &str| {
        cmp(
            "/small/k1",
            CompareTarget::Value,
            CompareResult::Equal,
            U::Value(v.into()),
        )
    };
    // Nested compares see the state before the txn, not the txn's own
    // earlier writes.
    let a = replay(vec![irr_txn(TxnRequest {
        compare: vec![],
        success: vec![
            op_put("/small/k1", "changed"),
            op_txn(TxnRequest {
                compare: vec![k1_is("v1")],
                success: vec![op_put("/saw/old", "")],
                failure: vec![op_put("/saw/new", "")],
            }),
        ],
        failure: vec![],
    })]);
    assert!(a.value("/saw/old").is_some() && a.value("/saw/new").is_none());
    assert_eq!(a.value("/small/k1"), Some(&b"changed"[..]));

    // A put on the path keeping the value of a missing key, or naming a
    // missing lease, fails the whole txn; one off the path does not.
    let keep_value = |k: &str| RequestOp {
        request: Some(request_op::Request::RequestPut(PutRequest {
            ignore_value: true,
            ..put(k, "")
        })),
    };
    let with_lease = |k: &str| RequestOp {
        request: Some(request_op::Request::RequestPut(PutRequest {
            lease: 99,
            ..put(k, "")
        })),
    };
    let a = replay(vec![
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![op_put("/first", ""), keep_value("/missing")],
            failure: vec![],
        }),
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![
                op_put("/second", ""),
                op_txn(TxnRequest {
                    compare: vec![k1_is("no")],
                    success: vec![with_lease("/off-path")],
                    failure: vec![op_put("/on-path", "")],
                }),
            ],
            failure: vec![],
        }),
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![op_txn(TxnRequest {
                compare: vec![],
                success: vec![with_lease("/nested-missing-lease")],
                failure: vec![],
            })],
            failure: vec![op_put("/third", "")],
        }),
    ]);
    assert!(a.value("/first").is_none() && a.value("/missing").is_none());
    assert!(a.value("/second").is_some() && a.value("/on-path").is_some());
    assert!(a.value("/off-path").is_none() && a.value("/third").is_none());
    assert_eq!(a.rev, 7);

    // A range at a future revision fails a txn in a nested txn; at the
    // top level etcd drops it on restart.
    let a = replay(vec![
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![range_op("/small/k1", 1000), op_put("/top", "")],
            failure: vec![],
        }),
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![
                op_put("/nested", ""),
                op_txn(TxnRequest {
                    compare: vec![],
                    success: vec![range_op("/small/k1", 1000)],
                    failure: vec![],
                }),
            ],
            failure: vec![],
        }),
    ]);
    assert!(a.value("/top").is_some() && a.value("/nested").is_none());

    // Deleting a key then putting it keeping its value stops etcd.
    let err = replay_err(vec![irr_txn(TxnRequest {
        compare: vec![],
        success: vec![op_del("/small/k1"), keep_value("/small/k1")],
        failure: vec![],
    })]);
    assert!(err.contains("etcd stops on it"), "{err}");
}

#[test]
fn txn_permission_checks_as_etcd_351() {
    let mut reqs = vec![InternalRaftRequest {
        lease_grant: Some(LeaseGrantRequest { ttl: 60, id: 7 }),
        ..Default::default()
    }];
    reqs.push(irr_put(PutRequest {
        lease: 7,
        ..put("/secret", "s")
    }));
    reqs.extend(auth_setup());
    let bob = |t: TxnRequest| InternalRaftRequest {
        header: header("bob", 7),
        txn: Some(t),
        ..Default::default()
    };
    let leased_op = |k: &str| RequestOp {
        request: Some(request_op::Request::RequestPut(PutRequest {
            lease: 7,
            prev_kv: true,
            ..put(k, "")
        })),
    };
    reqs.extend([
        // A compare on a key bob may not read: refused.
        bob(TxnRequest {
            compare: vec![cmp(
                "/secret",
                CompareTarget::Version,
                CompareResult::Greater,
                compare::TargetUnion::Version(0),
            )],
            success: vec![op_put("/bob/compared", "")],
            failure: vec![],
        }),
        // A top-level put of a key bob may not write, even on the branch
        // not taken: refused.
        bob(TxnRequest {
            compare: vec![],
            success: vec![op_put("/bob/a", "")],
            failure: vec![op_put("/not-bob", "")],
        }),
        // Not checked by etcd 3.5: nested txns, the lease of a put (whose
        // other key bob may not write), a top-level range (dropped on
        // restart).
        bob(TxnRequest {
            compare: vec![],
            success: vec![
                range_op("/secret", 0),
                leased_op("/bob/leased"),
                op_txn(TxnRequest {
                    compare: vec![],
                    success: vec![op_put("/nested-not-bob", "")],
                    failure: vec![],
                }),
            ],
            failure: vec![],
        }),
    ]);
    let a = replay(reqs);
    assert!(a.value("/bob/compared").is_none());
    assert!(a.value("/bob/a").is_none() && a.value("/not-bob").is_none());
    assert!(a.value("/bob/leased").is_some() && a.value("/nested-not-bob").is_some());
}

#[test]
fn nospace_refuses_txns_that_cost_quota() {
    let alarm = InternalRaftRequest {
        alarm: Some(AlarmRequest {
            action: AlarmAction::Activate as i32,
            member_id: 5,
            alarm: AlarmType::Nospace as i32,
        }),
        ..Default::default()
    };
    let a = replay(vec![
        alarm,
        // A put on either branch costs quota.
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![op_del("/small/k2")],
            failure: vec![op_put("/refused", "")],
        }),
        // Deletes and nested puts do not.
        irr_txn(TxnRequest {
            compare: vec![],
            success: vec![
                op_del("/small/k1"),
                op_txn(TxnRequest {
                    compare: vec![],
                    success: vec![op_put("/nested", "")],
                    failure: vec![],
                }),
            ],
            failure: vec![],
        }),
    ]);
    assert!(a.value("/small/k2").is_some() && a.value("/refused").is_none());
    assert!(a.value("/small/k1").is_none() && a.value("/nested").is_some());
}

#[test]
fn auth_changes_need_root_when_auth_is_on() {
    let mut reqs = auth_setup();
    let add = |by: Option<&str>, name: &str, hashed: &str| InternalRaftRequest {
        header: by.and_then(|u| header(u, 7)),
        id: 1,
        auth_user_add: Some(AuthUserAddRequest {
            name: name.into(),
            hashed_password: hashed.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    reqs.extend([
        add(Some("bob"), "by-bob", "aGFzaA=="),
        add(None, "anonymous", "aGFzaA=="),
        add(Some("root"), "not-base64", "%%%"),
        add(Some("root"), "carol", "aGFzaA=="),
        // A login or a read of one user changes nothing and needs no root.
        InternalRaftRequest {
            header: header("bob", 7),
            auth_user_get: Some(AuthUserGetRequest {
                name: b"bob".to_vec(),
            }),
            ..Default::default()
        },
    ]);
    let a = replay(reqs);
    let users = a.users();
    assert_eq!(
        users.keys().map(String::as_str).collect::<Vec<_>>(),
        ["bob", "carol", "root"]
    );
    assert_eq!(users["carol"].password, b"hash");
    assert_eq!(
        a.bucket("auth")[&b"authRevision".to_vec()],
        8u64.to_be_bytes()
    );
}

fn alarm(action: AlarmAction, member: u64, t: AlarmType) -> InternalRaftRequest {
    InternalRaftRequest {
        alarm: Some(AlarmRequest {
            action: action as i32,
            member_id: member,
            alarm: t as i32,
        }),
        ..Default::default()
    }
}

#[test]
fn appliers_follow_etcds_alarm_history() {
    let bob_deletes = |k: &str| InternalRaftRequest {
        header: header("bob", 7),
        delete_range: Some(DeleteRangeRequest {
            key: k.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    // Raising NOSPACE puts etcd's NOSPACE applier around its bare backend:
    // no permission checks until the alarm is cleared.
    let mut reqs = auth_setup();
    reqs.extend([
        bob_deletes("/small/k1"),
        alarm(AlarmAction::Activate, 1, AlarmType::Nospace),
        bob_deletes("/small/k2"),
        // A second NOSPACE alarm changes nothing; clearing one of two
        // neither.
        alarm(AlarmAction::Activate, 2, AlarmType::Nospace),
        alarm(AlarmAction::Deactivate, 2, AlarmType::Nospace),
        bob_deletes("/small/k3"),
        alarm(AlarmAction::Deactivate, 1, AlarmType::Nospace),
        bob_deletes("/small/k4"),
    ]);
    let a = replay(reqs);
    assert!(a.value("/small/k1").is_some() && a.value("/small/k4").is_some());
    assert!(a.value("/small/k2").is_none() && a.value("/small/k3").is_none());
    assert!(a.bucket("alarm").is_empty());

    // CORRUPT raised over NOSPACE replaces its applier; clearing NOSPACE
    // then leaves etcd without CORRUPT's refusals, though it is active.
    let a = replay(vec![
        alarm(AlarmAction::Activate, 1, AlarmType::Nospace),
        alarm(AlarmAction::Activate, 1, AlarmType::Corrupt),
        InternalRaftRequest {
            delete_range: Some(DeleteRangeRequest {
                key: b"/small/k1".to_vec(),
                ..Default::default()
            }),
            ..Default::default()
        },
        alarm(AlarmAction::Deactivate, 1, AlarmType::Nospace),
        irr_put(put("/after", "")),
    ]);
    assert!(a.value("/small/k1").is_some(), "refused with CORRUPT");
    assert!(a.value("/after").is_some());
    assert_eq!(a.bucket("alarm").len(), 1);

    // An alarm type etcd does not know stops it.
    let mut unknown = alarm(AlarmAction::Activate, 1, AlarmType::Nospace);
    if let Some(x) = unknown.alarm.as_mut() {
        x.alarm = 7;
    }
    assert!(replay_err(vec![unknown]).contains("an alarm of type 7"));
}

#[test]
fn compactions_move_the_compact_revision_forward_only() {
    let compact = |revision: i64| InternalRaftRequest {
        compaction: Some(CompactionRequest {
            revision,
            physical: false,
        }),
        ..Default::default()
    };
    let scheduled = |a: &After| {
        a.bucket("meta")
            .get(&b"scheduledCompactRev".to_vec())
            .map(|v| i64::from_be_bytes(v[..8].try_into().unwrap()))
    };
    // Already compacted (at or below 4), or in the future: nothing.
    let a = replay(vec![compact(4), compact(3), compact(4), compact(100)]);
    assert_eq!(scheduled(&a), Some(4));
    let a = replay(vec![compact(7)]);
    assert_eq!(scheduled(&a), None);
}

#[test]
fn member_attributes_replace_the_published_ones() {
    const ID: u64 = 0xb711_b68f_4932_8ad6;
    let set = |id: u64, name: &str, urls: &[&str]| InternalRaftRequest {
        cluster_member_attr_set: Some(ClusterMemberAttrSetRequest {
            member_id: id,
            member_attributes: Some(Attributes {
                name: name.into(),
                client_urls: urls.iter().map(|u| u.as_bytes().to_vec()).collect(),
            }),
        }),
        ..Default::default()
    };
    let member = |a: &After| {
        String::from_utf8(a.bucket("members")[&b"b711b68f49328ad6".to_vec()].clone()).unwrap()
    };
    let a = replay(vec![set(ID, "renamed", &["http://a:2379", ""])]);
    assert_eq!(
        member(&a),
        r#"{"id":13191525510069521110,"peerURLs":["http://127.0.0.1:23803"],"name":"renamed","clientURLs":["http://a:2379",""]}"#
    );
    let a = replay(vec![
        set(ID, "renamed", &["http://a:2379"]),
        set(ID, "", &[]),
    ]);
    assert_eq!(
        member(&a),
        r#"{"id":13191525510069521110,"peerURLs":["http://127.0.0.1:23803"]}"#
    );
    let err = replay_err(vec![set(7, "x", &[])]);
    assert!(
        err.contains("member 7, which the cluster never had"),
        "{err}"
    );
}

fn conf_change(kind: i32, node: u64, context: &str) -> Vec<u8> {
    let cc = etcdsnap_wal::proto::ConfChange {
        id: Some(0),
        r#type: kind,
        node_id: node,
        context: Some(context.as_bytes().to_vec()),
    };
    [CONF, &cc.encode_to_vec()].concat()
}

#[test]
fn conf_changes_validated_as_etcd_validates_them() {
    let add = |kind: i32, id: u64, url: &str, learner: bool| {
        let l = if learner { r#","isLearner":true"# } else { "" };
        conf_change(
            kind,
            id,
            &format!(r#"{{"id":{id},"peerURLs":["{url}"]{l}}}"#),
        )
    };
    let members = |a: &After| {
        a.bucket("members")
            .keys()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect::<Vec<_>>()
    };
    // One learner at a time: a second is refused.
    let a = replay_raw(vec![
        add(3, 0xa1, "http://a1", true),
        add(3, 0xa2, "http://a2", true),
        // A member's peer URL taken: refused.
        add(0, 0xa3, "http://a1", false),
        add(0, 0xa4, "http://a4", false),
    ])
    .unwrap();
    assert_eq!(members(&a), ["a1", "a4", "b711b68f49328ad6"]);
    // A context that is not a member, or names another member, stops etcd.
    let err = replay_raw(vec![conf_change(0, 0xa5, "not json")])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("context is not a member"), "{err}");
    let err = replay_raw(vec![conf_change(0, 0xa5, r#"{"id":6}"#)])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("whose context names member 6"), "{err}");
    // ...but not when the change is refused before etcd reads it.
    let a = replay_raw(vec![
        conf_change(1, 0xb711_b68f_4932_8ad6, ""),
        conf_change(0, 0xb711_b68f_4932_8ad6, "not json"),
        conf_change(2, 0xa6, "not json"),
    ])
    .unwrap();
    assert!(members(&a).is_empty());
    assert_eq!(a.bucket("members_removed").len(), 1);
}
