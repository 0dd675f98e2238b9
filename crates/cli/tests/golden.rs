//! Golden outputs (insta snapshots) of the inspection commands and of a
//! damaged file's diagnosis, on committed fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

fn out(args: &[&str]) -> String {
    let o = etcdsnap(args);
    assert_no_crash(&o, &format!("{args:?}"));
    String::from_utf8(o.stdout).unwrap()
}

fn fx(name: &str) -> String {
    testdata().join(name).to_str().unwrap().to_string()
}

#[test]
fn golden_inspection_outputs() {
    let small = fx("etcd/etcd-3.5.1.small.snapshot.db");
    let nested = fx("bolt/nested-4096.db");
    insta::assert_snapshot!(
        "info_json_small",
        out(&["bolt", "info", &small, "-w", "json"])
    );
    insta::assert_snapshot!("buckets_small", out(&["bolt", "buckets", &small]));
    insta::assert_snapshot!("keys_key_small", out(&["bolt", "keys", &small, "key"]));
    insta::assert_snapshot!(
        "keys_meta_small_json",
        out(&["bolt", "keys", &small, "meta", "-w", "json"])
    );
    insta::assert_snapshot!("pages_small", out(&["bolt", "pages", &small]));
    insta::assert_snapshot!(
        "page_meta_and_leaf_nested",
        out(&["bolt", "page", &nested, "0", "3"])
    );
    insta::assert_snapshot!(
        "page_freelist_nested",
        out(&["bolt", "page", &nested, "44", "-w", "json"])
    );
    insta::assert_snapshot!("dump_meta_nested", out(&["bolt", "dump", &nested, "1"]));
    insta::assert_snapshot!("stats_nested_prefix", out(&["bolt", "stats", &nested, "a"]));
    insta::assert_snapshot!(
        "get_binary_nested",
        out(&["bolt", "get", &nested, "binary", "0x00", "--format", "hex"])
    );
}

#[test]
fn golden_damaged_diagnosis() {
    let bytes = std::fs::read(testdata().join("bolt/nested-4096.db")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in ["zeroed-leaf-page", "branch-cycle", "truncated-at-half"] {
        let v = etcdsnap_testsupport::bbolt_damage::variants(&bytes)
            .into_iter()
            .find(|v| v.name == name)
            .unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, &v.bytes).unwrap();
        let o = etcdsnap(["check".as_ref(), p.as_os_str()]);
        assert_eq!(o.status.code(), Some(1));
        insta::assert_snapshot!(
            format!("check_{name}"),
            String::from_utf8(o.stdout).unwrap()
        );
    }
}

#[test]
fn golden_status_36_and_hashkv_formats() {
    let snap = fx("etcd/etcd-3.5.1.snapshot.db");
    for w in ["simple", "json", "table", "fields"] {
        insta::assert_snapshot!(
            format!("status_36_{w}"),
            out(&[
                "snapshot",
                "status",
                &snap,
                "--etcd-version",
                "3.6",
                "-w",
                w
            ])
        );
        insta::assert_snapshot!(format!("hashkv_{w}"), out(&["hashkv", &snap, "-w", w]));
    }
}

#[test]
fn status_36_counts_the_keys_live_at_the_head() {
    for name in [
        "etcd/etcd-3.5.1.snapshot.db",
        "etcd/etcd-3.4.23.snapshot.db",
        "etcd/etcd-3.5.1.small.snapshot.db",
    ] {
        let p = fx(name);
        let s35: serde_json::Value =
            serde_json::from_str(&out(&["snapshot", "status", &p, "-w", "json"])).unwrap();
        let s36: serde_json::Value = serde_json::from_str(&out(&[
            "snapshot",
            "status",
            &p,
            "-w",
            "json",
            "--etcd-version",
            "3.6",
        ]))
        .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&out(&["verify", &p, "-w", "json"])).unwrap();
        // Same hash, revision and size; keys: live user keys instead of all entries.
        assert_eq!(s36["hash"], s35["hash"], "{name}");
        assert_eq!(s36["revision"], s35["revision"], "{name}");
        assert_eq!(s36["totalSize"], s35["totalSize"], "{name}");
        assert_eq!(s36["totalKey"], v["summary"]["live_keys"], "{name}");
        assert!(
            s36["totalKey"].as_u64() < s35["totalKey"].as_u64(),
            "{name}"
        );
        assert_eq!(
            s36["version"], "",
            "{name}: written by etcd < 3.6, no storage version"
        );
    }
}
