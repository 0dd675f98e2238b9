//! Damaged files through every command, with the outcome derived from the
//! variant (what its generator damaged), never from our own output:
//!
//! - Go-bbolt files (`bbolt_damage` variants) through `check` and the
//!   `bolt` commands: `check` exits 1 with the variant's kind, page and
//!   offset; every other command exits 0 (a tree read then prints what it
//!   prints on the undamaged file) or exits 1 with a diagnosis that
//!   locates the damage; `snapshot restore` refuses each one, leaving
//!   nothing behind.
//! - etcd snapshots (`etcd_damage` variants, etcd semantics included)
//!   through the etcd commands, after the undamaged file has passed each:
//!   `verify` exits 1 on every variant; `snapshot status` refuses exactly
//!   the variants etcd's status cannot read; the extraction commands give
//!   the undamaged output or locate the damage.
//!
//! No run panics, hangs (60 s deadline) or writes its input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use etcdsnap_testsupport::etcd_damage::Diagnosis;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit 0 with the undamaged file's output, or exit 1 locating the damage.
fn same_or_located(o: &Output, clean: &Output, d: &Diagnosis, path: &Path, what: &str) {
    match o.status.code() {
        Some(0) => assert_eq!(
            text(&o.stdout),
            text(&clean.stdout),
            "{what}: exit 0 but not the undamaged output"
        ),
        Some(1) => assert_located(o, d, path, what),
        c => panic!("{what}: exit {c:?}: {}", text(&o.stderr)),
    }
}

/// Exit 0 with some output (a raw page view shows the damaged bytes), or
/// exit 1 locating the damage.
fn shown_or_located(o: &Output, d: &Diagnosis, path: &Path, what: &str) {
    match o.status.code() {
        Some(0) => assert!(!o.stdout.is_empty(), "{what}: printed nothing"),
        Some(1) => assert_located(o, d, path, what),
        c => panic!("{what}: exit {c:?}: {}", text(&o.stderr)),
    }
}

fn restore_refuses(path: &Path, d: &Diagnosis, dir: &Path, what: &str) {
    let target = dir.join("restored");
    let mut args = strings(&["snapshot", "restore", path.to_str().unwrap()]);
    // The trailer is what is checked there; elsewhere it was recomputed.
    if !matches!(d, Diagnosis::Trailer) {
        args.push("--skip-hash-check".into());
    }
    args.extend(strings(&["--data-dir", target.to_str().unwrap()]));
    let o = run_bounded(&args);
    assert_eq!(o.status.code(), Some(1), "{what}: restore must refuse");
    if matches!(d, Diagnosis::Structure { .. }) {
        assert_located(&o, d, path, &format!("{what}: restore"));
    }
    assert!(!target.exists(), "{what}: restore left {target:?}");
}

#[test]
fn damaged_go_bbolt_files_through_check_and_the_bolt_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for base in [
        "bolt/nested-4096.db",
        "bolt/pagesize-16384.db",
        "bolt/keys-and-fill.db",
    ] {
        let clean_path = testdata().join(base);
        let bytes = std::fs::read(&clean_path).unwrap();
        let cp = clean_path.to_str().unwrap();
        let tree_reads: Vec<Vec<&str>> = {
            let mut v = vec![vec!["bolt", "buckets"], vec!["bolt", "stats"]];
            for b in ["alpha", "large", "deep", "inline", "overflow", "binary"] {
                v.push(vec!["bolt", "keys", b]);
            }
            v.push(vec!["bolt", "get", "large", "key-000001"]);
            v
        };
        let with = |args: &[&str], p: &str| -> Vec<String> {
            let mut a = strings(&args[..2]);
            a.push(p.to_string());
            a.extend(strings(&args[2..]));
            a
        };
        let clean: Vec<Output> = tree_reads
            .iter()
            .map(|a| run_bounded(&with(a, cp)))
            .collect();
        for (a, o) in tree_reads.iter().zip(&clean) {
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{base}: {a:?} on the undamaged file"
            );
        }
        for v in etcdsnap_testsupport::bbolt_damage::variants(&bytes) {
            n += 1;
            let what = format!("{base} {}", v.name);
            let d = Diagnosis::Structure {
                kind: v.expect,
                page: v.page,
                offset: v.offset,
            };
            let path = dir
                .path()
                .join(format!("{}-{}", base.replace('/', "-"), v.name));
            std::fs::write(&path, &v.bytes).unwrap();
            let p = path.to_str().unwrap().to_string();
            let before = sha256(&path);

            // check: exit 1 and exactly the variant's problem.
            let o = run_bounded(&["check".into(), "-w".into(), "json".into(), p.clone()]);
            assert_eq!(o.status.code(), Some(1), "{what}: check exit");
            let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let kind = serde_json::to_value(v.expect).unwrap();
            let hit = r["problems"].as_array().unwrap().iter().any(|pr| {
                pr["kind"] == kind
                    && pr["page"].as_u64() == v.page
                    && pr["offset"].as_u64() == v.offset
            });
            assert!(
                hit,
                "{what}: no {kind} at page {:?} offset {:?} in {r:#}",
                v.page, v.offset
            );
            let t = run_bounded(&["check".into(), p.clone()]);
            assert_eq!(t.status.code(), Some(1), "{what}: check (text)");
            if let (Some(pg), Some(off)) = (v.page, v.offset) {
                let line = format!("page {pg} (offset {off}): ");
                assert!(
                    text(&t.stdout).contains(&line),
                    "{what}: no {line:?} in check's text"
                );
            }

            // Tree reads: the undamaged output, or the damage located. With
            // the newer meta page bad, the older one is read (its older
            // transaction), with a warning naming the bad one.
            for (args, c) in tree_reads.iter().zip(&clean) {
                let o = run_bounded(&with(args, &p));
                let w = format!("{what}: {args:?}");
                if v.name == "page-shared-across-buckets" {
                    // The other bucket now reads the shared leaf as its
                    // own (as bbolt does: only a full check sees two
                    // references): a result, not the undamaged one.
                    assert_eq!(o.status.code(), c.status.code(), "{w}: {}", text(&o.stderr));
                } else if v.name == "newer-meta-bad-checksum" {
                    assert_eq!(o.status.code(), c.status.code(), "{w}");
                    let warning = format!("meta page {} is invalid", v.page.unwrap());
                    assert!(
                        text(&o.stderr).contains(&warning),
                        "{w}: {}",
                        text(&o.stderr)
                    );
                } else if c.status.code() == Some(0) {
                    same_or_located(&o, c, &d, &path, &w);
                } else {
                    // Not in this fixture: the same refusal, or the damage.
                    assert_eq!(o.status.code(), Some(1), "{w}");
                }
            }
            // Raw views: the bytes as they are, or the damage located.
            for args in [
                vec!["bolt", "info"],
                vec!["bolt", "info", "-w", "json"],
                vec!["bolt", "pages"],
                vec!["bolt", "pages", "-w", "json"],
                vec!["bolt", "page", "0", "1", "2", "3"],
                vec!["bolt", "page", "2", "-w", "json"],
                vec!["bolt", "dump", "0", "2"],
            ] {
                let o = run_bounded(&with(&args, &p));
                shown_or_located(&o, &d, &path, &format!("{what}: {args:?}"));
            }
            let work = tempfile::tempdir().unwrap();
            restore_refuses(&path, &d, work.path(), &what);
            assert_eq!(sha256(&path), before, "{what}: input modified");
        }
    }
    assert!(n >= 50, "only {n} variants");
}

#[test]
fn damaged_etcd_snapshots_through_the_etcd_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for base in [
        "etcd/etcd-3.4.23.snapshot.db",
        "etcd/etcd-3.5.1.small.snapshot.db",
    ] {
        let clean_path = testdata().join(base);
        let cp = clean_path.to_str().unwrap().to_string();
        let reads: Vec<Vec<String>> = vec![
            strings(&["hashkv", &cp]),
            strings(&["get", &cp, "", "--prefix"]),
            strings(&["dump", &cp]),
            strings(&["history", &cp, "", "--prefix"]),
            strings(&["members", &cp]),
        ];
        // The undamaged file passes every command first.
        for args in [
            strings(&["verify", &cp]),
            strings(&["snapshot", "status", &cp]),
        ]
        .iter()
        .chain(&reads)
        {
            let o = run_bounded(args);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{base}: {args:?}: {}",
                text(&o.stderr)
            );
        }
        let clean: Vec<Output> = reads.iter().map(|a| run_bounded(a)).collect();
        let bytes = std::fs::read(&clean_path).unwrap();
        for v in etcdsnap_testsupport::etcd_damage::variants(&bytes) {
            n += 1;
            let what = format!("{base} {}", v.name);
            let path = dir
                .path()
                .join(format!("{}-{}", base.replace('/', "-"), v.name));
            std::fs::write(&path, &v.bytes).unwrap();
            let p = path.to_str().unwrap().to_string();
            let before = sha256(&path);

            let o = run_bounded(&strings(&["verify", &p]));
            assert_eq!(o.status.code(), Some(1), "{what}: verify");
            let o = run_bounded(&strings(&["snapshot", "status", &p]));
            let want = if status_refuses(v.name, &v.diagnosis) {
                1
            } else {
                0
            };
            assert_eq!(
                o.status.code(),
                Some(want),
                "{what}: status {}",
                text(&o.stderr)
            );
            if want == 1 && matches!(v.diagnosis, Diagnosis::Structure { .. }) {
                // The refusal lists the check's problems.
                assert!(
                    text(&o.stderr).contains("integrity check failed")
                        || text(&o.stderr).contains("no valid meta page"),
                    "{what}: {}",
                    text(&o.stderr)
                );
            }
            for (args, c) in reads.iter().zip(&clean) {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| if *a == cp { p.clone() } else { a.clone() })
                    .collect();
                let o = run_bounded(&args);
                let w = format!("{what}: {args:?}");
                match &v.diagnosis {
                    Diagnosis::Structure { .. } => same_or_located(&o, c, &v.diagnosis, &path, &w),
                    Diagnosis::Semantic(phrase)
                        if phrase.contains("does not decode")
                            && args[0] != "hashkv"
                            && args[0] != "members" =>
                    {
                        assert_eq!(o.status.code(), Some(1), "{w}");
                        assert!(
                            text(&o.stderr).contains("does not decode"),
                            "{w}: {}",
                            text(&o.stderr)
                        );
                    }
                    // etcd reads the rest as it is: a result.
                    _ => assert_eq!(o.status.code(), Some(0), "{w}: {}", text(&o.stderr)),
                }
            }
            let work = tempfile::tempdir().unwrap();
            if !matches!(v.diagnosis, Diagnosis::Semantic(p) if !p.contains("does not decode")) {
                restore_refuses(&path, &v.diagnosis, work.path(), &what);
            }
            assert_eq!(sha256(&path), before, "{what}: input modified");
        }
    }
    assert!(n >= 30, "only {n} variants");
}
