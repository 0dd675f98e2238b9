//! `snapshot status` against etcdutl 3.5.1 and etcdctl 3.4.23: recorded
//! outputs for every fixture and format, and the live tools side by side.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

const FORMATS: [&str; 4] = ["simple", "json", "table", "fields"];

/// `etcdsnap snapshot status PATH -w FMT`.
fn status_of(path: &std::path::Path, fmt: &str) -> std::process::Output {
    etcdsnap([
        "snapshot".as_ref(),
        "status".as_ref(),
        path.as_os_str(),
        "-w".as_ref(),
        fmt.as_ref(),
    ])
}

#[test]
fn status_is_byte_identical_to_recorded_etcdutl_and_etcdctl() {
    let mut compared = 0;
    for fx in fixtures() {
        for fmt in FORMATS {
            let o = status_of(&fx.path, fmt);
            assert_no_crash(&o, "status");
            assert_eq!(
                o.status.code(),
                Some(0),
                "{} -w {fmt}: {}",
                fx.name,
                String::from_utf8_lossy(&o.stderr)
            );
            let ours = String::from_utf8(o.stdout).unwrap();
            for tool in ["etcdutl351", "etcdctl3423"] {
                let want = expected(&format!("{}.{tool}.status.{fmt}.txt", fx.name))
                    .unwrap_or_else(|| panic!("no recorded {tool} status for {}", fx.name));
                assert_eq!(ours, want, "{} -w {fmt} differs from {tool}", fx.name);
                compared += 1;
            }
        }
    }
    assert!(compared >= 12 * 4 * 2);
}

#[test]
fn status_is_byte_identical_to_live_etcdutl_and_etcdctl() {
    let Some(etcdutl) = oracle(
        "ETCDSNAP_ETCDUTL351",
        "/opt/etcdsnap-oracles/etcd-3.5.1/etcdutl",
    ) else {
        return;
    };
    let Some(etcdctl) = oracle("ETCDSNAP_ETCDCTL34", "/usr/bin/etcdctl") else {
        return;
    };
    for fx in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("db");
        for fmt in FORMATS {
            let o = status_of(&fx.path, fmt);
            for (name, cmd) in [("etcdutl 3.5.1", &etcdutl), ("etcdctl 3.4.23", &etcdctl)] {
                // Read-only opens, but a fresh copy each time all the same.
                std::fs::copy(&fx.path, &copy).unwrap();
                let real = std::process::Command::new(cmd)
                    .env("ETCDCTL_API", "3")
                    .args(["snapshot", "status", "-w", fmt])
                    .arg(&copy)
                    .output()
                    .unwrap();
                assert_eq!(real.status.code(), Some(0), "{name} failed on {}", fx.name);
                assert_eq!(
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&real.stdout),
                    "{} -w {fmt} differs from live {name}",
                    fx.name
                );
            }
        }
    }
}

#[test]
fn status_verifies_the_trailer() {
    let src = testdata().join("etcd/etcd-3.5.1.small.snapshot.db");
    let o = etcdsnap(["snapshot".as_ref(), "status".as_ref(), src.as_os_str()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SHA-256 trailer verified"));

    // One flipped byte in the last page (free space: the structure is
    // intact, only the trailer can tell).
    let mut bytes = std::fs::read(&src).unwrap();
    let n = bytes.len();
    bytes[n - 32 - 100] ^= 0x55;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, &bytes).unwrap();
    let before = sha256(&bad);
    let o = etcdsnap(["snapshot".as_ref(), "status".as_ref(), bad.as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("SHA-256 trailer mismatch"));
    assert_eq!(sha256(&bad), before);

    // A raw member db has no trailer: said on stderr, exit 0.
    let db = testdata().join("bolt/nested-4096.db");
    let o = etcdsnap(["snapshot".as_ref(), "status".as_ref(), db.as_os_str()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no SHA-256 trailer"));
}

#[test]
fn status_refuses_damage_that_etcd_refuses_without_crashing() {
    let bytes = std::fs::read(testdata().join("bolt/nested-4096.db")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for v in etcdsnap_testsupport::bbolt_damage::variants(&bytes) {
        let p = dir.path().join(v.name);
        std::fs::write(&p, &v.bytes).unwrap();
        let o = etcdsnap(["snapshot".as_ref(), "status".as_ref(), p.as_os_str()]);
        assert_no_crash(&o, v.name);
        let stderr = String::from_utf8_lossy(&o.stderr);
        match v.name {
            // etcdutl reads these without complaint (bbolt uses the other meta
            // page; Go's check does not look at keys or inline buckets).
            "newer-meta-bad-checksum" | "keys-out-of-order" | "inline-bucket-garbage" => {
                assert_eq!(o.status.code(), Some(0), "{}: {stderr}", v.name);
                assert!(
                    stderr.contains("warning"),
                    "{}: no warning: {stderr}",
                    v.name
                );
            }
            _ => {
                assert_eq!(o.status.code(), Some(1), "{}: {stderr}", v.name);
                assert!(!stderr.is_empty());
            }
        }
    }
}
