//! Replay under etcd 3.6 and 3.7 rules, from their source (no 3.6 or 3.7
//! binary runs here: the WAL entries are written with etcdsnap's own
//! types as those releases write them, over the etcd 3.5.1 small
//! snapshot; these are source-derived expectations, not comparisons with
//! a real member). Source references are to upstream tags of
//! etcd-io/etcd.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{buckets, entries_after, payloads, rewritten, Buckets, SMALL};
use etcdsnap_bbolt::Db;
use etcdsnap_schema::EtcdVersion;
use etcdsnap_wal::etcdserverpb::*;

/// The member of the small snapshot.
const MEMBER: u64 = 0xb711_b68f_4932_8ad6;

/// The small snapshot, with `meta` puts applied.
fn db_bytes(meta: &[(&[u8], &[u8])]) -> Vec<u8> {
    let bytes = std::fs::read(SMALL).unwrap();
    if meta.is_empty() {
        return bytes;
    }
    let db = Db::open(&bytes).unwrap();
    let mut edits = etcdsnap_bbolt::rewrite::Edits::new();
    edits.insert(
        b"meta".to_vec(),
        etcdsnap_bbolt::rewrite::BucketEdit {
            clear: false,
            puts: meta
                .iter()
                .map(|(k, v)| (k.to_vec(), Some(v.to_vec())))
                .collect(),
        },
    );
    rewritten(&db, &edits)
}

/// Replays `reqs` (each given an ID) as the committed entries after the
/// db's consistent index, under `rules` (None: detected from the db), and
/// returns every bucket after.
fn run(
    bytes: &[u8],
    reqs: Vec<InternalRaftRequest>,
    rules: Option<EtcdVersion>,
) -> Result<Buckets, String> {
    let db = Db::open(bytes).unwrap();
    let ci = etcdsnap_schema::meta::consistent_index(&db).unwrap();
    let wal = entries_after(&db, payloads(reqs, 500));
    let replayed = match rules {
        Some(v) => etcdsnap_replay::replay_as(&db, &wal, ci, v),
        None => etcdsnap_replay::replay(&db, &wal, ci),
    };
    let (edits, _) = replayed.map_err(|e| e.to_string())?.unwrap();
    let bytes = rewritten(&db, &edits);
    Ok(buckets(&Db::open(&bytes).unwrap()))
}

fn v(s: &str) -> Option<EtcdVersion> {
    Some(EtcdVersion::parse(s).unwrap())
}

fn v2(method: &str, path: &str, val: &str) -> InternalRaftRequest {
    InternalRaftRequest {
        v2: Some(Request {
            id: 77,
            method: method.into(),
            path: path.into(),
            val: val.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn get<'a>(b: &'a Buckets, bucket: &str, key: &[u8]) -> Option<&'a [u8]> {
    b[bucket.as_bytes()].get(key).map(Vec::as_slice)
}

#[test]
fn v2_requests_under_3_6_and_3_7_derived_from_etcd_v3_6_source() {
    let bytes = db_bytes(&[]);
    // A v2 SYNC (what a 3.5 leader proposes to expire v2 TTL keys): 3.5
    // applies it to the v2 store alone; 3.6 converts only a PUT of a
    // member's attributes or of the cluster version and panics on the
    // rest (v3.6.14 server/etcdserver/apply_v2.go:29-66, called from
    // server/etcdserver/server.go:1987-1990); 3.7 has no v2 field (v3.7.1
    // api/etcdserverpb/raft_internal.proto:28-29).
    let sync = || vec![v2("SYNC", "", "")];
    assert!(run(&bytes, sync(), v("3.5")).is_ok());
    let err = run(&bytes, sync(), v("3.6")).unwrap_err();
    assert!(
        err.contains("a v2 SYNC of \"\", which etcd 3.6.14 stops on"),
        "{err}"
    );
    let err = run(&bytes, sync(), v("3.7")).unwrap_err();
    assert!(
        err.contains("etcd 3.7.1 has no v2 requests and stops on it"),
        "{err}"
    );

    // The PUTs 3.6 converts: the same backend writes as 3.5's v2 apply.
    let attrs = format!("/0/members/{MEMBER:x}/attributes");
    let puts = || {
        vec![
            v2(
                "PUT",
                &attrs,
                r#"{"name":"s351","clientURLs":["http://127.0.0.1:2379"]}"#,
            ),
            v2("PUT", "/0/version", "3.6.0"),
        ]
    };
    let a35 = run(&bytes, puts(), v("3.5")).unwrap();
    let a36 = run(&bytes, puts(), v("3.6")).unwrap();
    assert_eq!(a35, a36);
    assert_eq!(get(&a36, "cluster", b"clusterVersion"), Some(&b"3.6.0"[..]));
    let m = get(&a36, "members", format!("{MEMBER:x}").as_bytes()).unwrap();
    assert!(
        String::from_utf8_lossy(m).contains(r#""clientURLs":["http://127.0.0.1:2379"]"#),
        "{}",
        String::from_utf8_lossy(m)
    );
    assert!(run(&bytes, puts(), v("3.7")).is_err());
    // A v2 PUT of anything else stops 3.6.
    let err = run(&bytes, vec![v2("PUT", "/1/foo", "bar")], v("3.6")).unwrap_err();
    assert!(err.contains("which etcd 3.6.14 stops on"), "{err}");
}

#[test]
fn membership_requests_as_3_6_writes_them_derived_from_etcd_v3_6_source() {
    // 3.6 proposes a member's attributes and the cluster version as v3
    // requests (v3.6.14 server/etcdserver/server.go:1829, :2449) and
    // applies them to the backend (server/etcdserver/server.go:2041-2075;
    // apply/apply.go:414-448); a downgrade sets cluster/downgrade
    // (schema/membership.go:170-182, version/downgrade.go:24-30 for the
    // JSON), enabled or not.
    let bytes = db_bytes(&[(b"storageVersion", b"3.6.0")]);
    let reqs = vec![
        InternalRaftRequest {
            header: Some(RequestHeader {
                id: 9,
                ..Default::default()
            }),
            cluster_member_attr_set: Some(ClusterMemberAttrSetRequest {
                member_id: MEMBER,
                member_attributes: Some(Attributes {
                    name: b"s351".to_vec(),
                    client_urls: vec![b"http://127.0.0.1:2379".to_vec()],
                }),
            }),
            ..Default::default()
        },
        InternalRaftRequest {
            cluster_version_set: Some(ClusterVersionSetRequest {
                ver: b"3.6.0".to_vec(),
            }),
            ..Default::default()
        },
        InternalRaftRequest {
            downgrade_info_set: Some(DowngradeInfoSetRequest {
                enabled: false,
                ver: b"3.5.0".to_vec(),
            }),
            ..Default::default()
        },
    ];
    // No rules given: the db's storage version says 3.6.
    let a = run(&bytes, reqs, None).unwrap();
    assert_eq!(get(&a, "cluster", b"clusterVersion"), Some(&b"3.6.0"[..]));
    assert_eq!(
        get(&a, "cluster", b"downgrade"),
        Some(&br#"{"target-version":"","enabled":false}"#[..])
    );
    let m = get(&a, "members", format!("{MEMBER:x}").as_bytes()).unwrap();
    assert!(String::from_utf8_lossy(m).contains("http://127.0.0.1:2379"));
    // The storage version is the monitor's to write, not the apply's: the
    // replay leaves it as it was.
    assert_eq!(get(&a, "meta", b"storageVersion"), Some(&b"3.6.0"[..]));
}

#[test]
fn downgrade_version_test_requests_derived_from_etcd_v3_6_source() {
    // Field 9900 (v3.6.14 api/etcdserverpb/raft_internal.proto:75) is
    // applied as nothing by 3.6 (server/etcdserver/server.go:2065-2069)
    // and 3.7 (v3.7.1 server/etcdserver/apply/uber_applier.go:118-123); a
    // 3.5 member does not know the field and finds no request in it.
    let bytes = db_bytes(&[]);
    let test_req = || {
        vec![InternalRaftRequest {
            downgrade_version_test: Some(DowngradeVersionTestRequest {
                ver: b"3.5.0".to_vec(),
            }),
            ..Default::default()
        }]
    };
    let a = run(&bytes, test_req(), v("3.6")).unwrap();
    let ci = get(&a, "meta", b"consistent_index").unwrap();
    assert_eq!(u64::from_be_bytes(ci.try_into().unwrap()), 11);
    assert!(run(&bytes, test_req(), v("3.7")).is_ok());
    let err = run(&bytes, test_req(), v("3.5")).unwrap_err();
    assert!(err.contains("of no kind etcd 3.5.30 applies"), "{err}");
    // By detection: a db whose storage version is 3.6 takes 3.6's rules.
    let b36 = db_bytes(&[(b"storageVersion", b"3.6.0")]);
    assert!(run(&b36, test_req(), None).is_ok());
    assert!(run(&bytes, test_req(), None).is_err());
}
