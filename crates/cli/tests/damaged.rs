//! Damaged files (Go-bbolt files and etcd snapshots) through every
//! command: `check` gives the precise diagnosis with exit 1; no command
//! panics or hangs; the input is never written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[test]
fn damaged_files_through_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for base in [
        "bolt/nested-4096.db",
        "bolt/pagesize-16384.db",
        "bolt/keys-and-fill.db",
    ] {
        let bytes = std::fs::read(testdata().join(base)).unwrap();
        for v in etcdsnap_testsupport::bbolt_damage::variants(&bytes) {
            n += 1;
            let path = dir
                .path()
                .join(format!("{}-{}", base.replace('/', "-"), v.name));
            std::fs::write(&path, &v.bytes).unwrap();
            let p = path.to_str().unwrap().to_string();
            let before = sha256(&path);

            // check: exit 1 and the expected diagnosis.
            let o = run_bounded(&["check".into(), "-w".into(), "json".into(), p.clone()]);
            assert_no_crash(&o, &p);
            assert_eq!(o.status.code(), Some(1), "{}: check exit", v.name);
            let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let kind = serde_json::to_value(v.expect).unwrap();
            let hit = r["problems"].as_array().unwrap().iter().any(|pr| {
                pr["kind"] == kind
                    && (v.page.is_none() || pr["page"].as_u64() == v.page)
                    && (v.offset.is_none() || pr["offset"].as_u64() == v.offset)
            });
            assert!(
                hit,
                "{} ({base}): no {kind} at page {:?} offset {:?} in {r:#}",
                v.name, v.page, v.offset
            );
            let text = run_bounded(&["check".into(), p.clone()]);
            assert_eq!(text.status.code(), Some(1));
            assert!(String::from_utf8_lossy(&text.stdout).contains(" found"));

            // Every other command: a result or a diagnosis, never a crash.
            let mut runs: Vec<Vec<&str>> = vec![
                vec!["bolt", "info", &p],
                vec!["bolt", "info", &p, "-w", "json"],
                vec!["bolt", "buckets", &p],
                vec!["bolt", "pages", &p],
                vec!["bolt", "pages", &p, "-w", "json"],
                vec!["bolt", "stats", &p],
                vec!["bolt", "page", &p, "0", "1", "2", "3"],
                vec!["bolt", "page", &p, "2", "-w", "json"],
                vec!["bolt", "dump", &p, "0", "2"],
                vec!["snapshot", "status", &p],
                vec![
                    "snapshot",
                    "status",
                    &p,
                    "-w",
                    "json",
                    "--etcd-version",
                    "3.6",
                ],
                vec!["verify", &p],
                vec!["hashkv", &p],
                vec!["hashkv", &p, "--rev", "70"],
                vec!["get", &p, "", "--prefix"],
                vec!["dump", &p],
                vec!["history", &p, "", "--prefix"],
                vec!["members", &p],
                vec!["diff", &p, &p],
            ];
            for b in [
                "alpha", "large", "deep", "inline", "overflow", "binary", "key", "meta",
            ] {
                runs.push(vec!["bolt", "keys", &p, b]);
                runs.push(vec!["bolt", "get", &p, b, "key-000001"]);
            }
            for args in runs {
                let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
                let o = run_bounded(&args);
                assert_no_crash(&o, &format!("{}: {args:?}", v.name));
                if o.status.code() != Some(0) {
                    // A diagnosis on stderr, or a report (verify) on stdout.
                    assert!(
                        !o.stderr.is_empty() || !o.stdout.is_empty(),
                        "{}: {args:?} failed silently",
                        v.name
                    );
                }
            }
            // restore refuses every damaged file (the checker finds the
            // damage) and leaves nothing behind.
            let target = dir.path().join(format!("restored-{n}"));
            let o = run_bounded(&[
                "snapshot".into(),
                "restore".into(),
                p.clone(),
                "--skip-hash-check".into(),
                "--data-dir".into(),
                target.to_str().unwrap().to_string(),
            ]);
            assert_no_crash(&o, &format!("{}: restore", v.name));
            assert_eq!(o.status.code(), Some(1), "{}: restore must refuse", v.name);
            assert!(!target.exists(), "{}: restore left {target:?}", v.name);
            assert_eq!(sha256(&path), before, "{} was modified", v.name);
        }
    }
    assert!(n >= 40, "only {n} variants");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("etcdsnap"))
        .collect();
    assert!(
        left.is_empty(),
        "temporary restore dirs left behind: {left:?}"
    );
}
