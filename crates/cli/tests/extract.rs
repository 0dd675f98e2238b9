//! `diff` and `history` on the etcd fixtures (facts from
//! testdata/etcd/fixtures-info.txt: the member fixture has no large value
//! and its own lease ids; the same script made both).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

fn lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn diff_between_a_member_and_a_snapshot() {
    let snap = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let member = member_dir();
    let o = etcdsnap(["diff".as_ref(), member.as_os_str(), snap.as_os_str()]);
    assert_no_crash(&o, "diff");
    assert_eq!(o.status.code(), Some(0));
    let d = lines(&o);
    let ops: Vec<(String, String)> = d
        .iter()
        .map(|x| {
            (
                x["op"].as_str().unwrap().to_string(),
                x["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("added".to_string(), "/big/value".to_string()),
            ("changed".to_string(), "/leased/a".to_string()),
            ("changed".to_string(), "/leased/b".to_string()),
        ]
    );
    assert_eq!(d[1]["a"]["lease"], "4196a20a310fb738");
    assert_eq!(d[1]["b"]["lease"], "1459a20a30ee3c38");
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("3 difference(s); a at revision 74, b at revision 75"));
    // A file against itself: nothing.
    let same = etcdsnap(["diff".as_ref(), snap.as_os_str(), snap.as_os_str()]);
    assert!(same.stdout.is_empty());
    assert!(String::from_utf8_lossy(&same.stderr).contains("0 difference(s)"));
}

#[test]
fn history_keeps_what_compaction_left() {
    let snap = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let o = etcdsnap([
        "history".as_ref(),
        snap.as_os_str(),
        "/leased/".as_ref(),
        "--prefix".as_ref(),
    ]);
    assert_no_crash(&o, "history");
    let h = lines(&o);
    // /leased/c was put and deleted (lease revoke) before the compaction
    // at 61, so only a and b remain, one put each.
    let keys: Vec<&str> = h.iter().map(|x| x["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["/leased/a", "/leased/b"]);
    assert!(h.iter().all(|x| x["op"] == "put"));
    // A never compacted file: every put, in revision order.
    let small = testdata().join("etcd/etcd-3.5.1.small.snapshot.db");
    let o = etcdsnap([
        "history".as_ref(),
        small.as_os_str(),
        "/small/".as_ref(),
        "--prefix".as_ref(),
        "-w".as_ref(),
        "simple".as_ref(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.starts_with("2 put /small/k1 v1\n"), "{text}");
}

#[test]
fn members_from_db_snap_and_wal() {
    // testdata/etcd/fixtures-info.txt: member d449f37c6e82c196.
    let o = etcdsnap([
        "members".as_ref(),
        member_dir().as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    assert_no_crash(&o, "members");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["source"].as_str().unwrap().to_string(),
                m["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let id = "d449f37c6e82c196".to_string();
    assert_eq!(
        rows,
        [
            ("db".to_string(), id.clone()),
            ("snap".to_string(), id.clone()),
            ("wal@1".to_string(), id)
        ]
    );
    let snap = v
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source"] == "snap")
        .unwrap();
    assert_eq!(snap["name"], "m351");
    assert!(snap["client_urls"][0]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    // A snapshot file: its db's members only.
    let f = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let o = etcdsnap(["members".as_ref(), f.as_os_str()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("db\t792275f42d859459\t"), "{text}");
}

#[test]
fn k8s_summary_of_the_fixture() {
    // make-etcd-fixtures.sh puts two Pods and a Service as JSON.
    let f = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let o = etcdsnap([
        "k8s".as_ref(),
        "summary".as_ref(),
        f.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    assert_no_crash(&o, "k8s summary");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["revision"], 75);
    assert_eq!(v["objects"], 3);
    assert_eq!(v["by_resource"]["pods"]["objects"], 2);
    assert_eq!(v["by_resource"]["services/specs"]["objects"], 1);
    assert_eq!(v["by_namespace"]["default"]["objects"], 3);
    assert_eq!(v["by_encoding"]["json"]["objects"], 3);
    let largest = v["largest"].as_array().unwrap();
    assert_eq!(largest[0]["kind"], "Pod");
    assert_eq!(largest.len(), 3);
    let text = etcdsnap(["k8s".as_ref(), "summary".as_ref(), f.as_os_str()]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with("revision 75: 3 objects, 94 B (94 bytes); 38 other keys\n"),
        "{text}"
    );
    // Tables with a header row, columns as wide as their data.
    assert!(text.contains("\n  RESOURCE        OBJECTS  SIZE  REVISIONS\n  pods                  2  76 B          2\n"), "{text}");
    assert!(
        text.contains("\n  LARGEST OBJECT                               SIZE  KIND\n"),
        "{text}"
    );
}
