//! The corruption matrix: every damaged variant of a real etcd 3.5.1
//! snapshot file and of a real member's data dir (db, WAL segment, `.snap`;
//! see `etcdsnap_testsupport::matrix`) through every command (`check`,
//! `snapshot status`, `verify`, `hashkv`, `dump`, `snapshot restore`,
//! `wal`, `snapshot save`, `members`), each under an address-space limit
//! and a deadline. Every run must end without a crash; a damaged part a
//! command reads gives exit 1 with the variant's diagnosis; what a command
//! still reports from a damaged input equals what it reports from the
//! undamaged one; `snapshot status` agrees with etcdutl 3.5.1 wherever
//! both print a result (without etcdutl installed, only that comparison is
//! skipped); no input is ever written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use etcdsnap_bbolt::check::ProblemKind;
use etcdsnap_testsupport::etcd_damage::Diagnosis;
use etcdsnap_testsupport::matrix::{self, Case, Entry};

/// SHA-256 of every file under `p` (a file or a directory).
fn tree_hash(p: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if p.is_file() {
        m.insert(String::new(), sha256(p));
        return m;
    }
    let mut stack = vec![p.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                stack.push(e);
            } else {
                m.insert(e.strip_prefix(p).unwrap().display().to_string(), sha256(&e));
            }
        }
    }
    m
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A failed run must say why on stderr, with more than a usage line.
fn assert_diagnosis(o: &Output, what: &str, phrase: &str) {
    assert_eq!(
        o.status.code(),
        Some(1),
        "{what}: exit\n{}",
        text(&o.stderr)
    );
    let err = text(&o.stderr);
    assert!(err.contains(phrase), "{what}: no {phrase:?} in {err}");
}

/// A run that succeeded on a damaged input must report what the undamaged
/// input gives; one that failed must locate the variant's damage
/// (`common::assert_located`).
fn assert_same_or_located(o: &Output, clean: &Output, d: &Diagnosis, path: &Path, what: &str) {
    match o.status.code() {
        Some(0) => assert_eq!(
            text(&o.stdout),
            text(&clean.stdout),
            "{what}: output differs from the undamaged input's"
        ),
        Some(1) => assert_located(o, d, path, what),
        c => panic!("{what}: exit {c:?}: {}", text(&o.stderr)),
    }
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// The checker's JSON names the expected problem.
fn assert_check_finds(path: &Path, diagnosis: &Diagnosis, what: &str) {
    let o = run_bounded(&["check", "-w", "json", &s(path)]);
    assert_no_crash(&o, what);
    match diagnosis {
        Diagnosis::Structure { kind, page, offset } => {
            assert_eq!(o.status.code(), Some(1), "{what}: check exit");
            let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let kind = serde_json::to_value(kind).unwrap();
            let hit = r["problems"].as_array().unwrap().iter().any(|pr| {
                pr["kind"] == kind
                    && pr["page"].as_u64() == *page
                    && pr["offset"].as_u64() == *offset
            });
            assert!(hit, "{what}: no {kind} at {page:?}/{offset:?} in {r:#}");
        }
        // The page structure is sound; the damage is etcd's to see.
        Diagnosis::Semantic(_) | Diagnosis::Trailer => {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{what}: check: {}",
                text(&o.stdout)
            )
        }
    }
}

/// `verify` exits 1 and its report holds `phrase`.
fn assert_verify_finds(path: &Path, phrase: &str, what: &str) {
    let o = run_bounded(&["verify", "-w", "json", &s(path)]);
    assert_no_crash(&o, what);
    assert_eq!(o.status.code(), Some(1), "{what}: verify exit");
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let msgs: Vec<String> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains(phrase)),
        "{what}: verify says {msgs:#?}, not {phrase:?}"
    );
}

/// The phrase `verify` and the refusing commands use for a diagnosis.
fn phrase(d: &Diagnosis) -> &'static str {
    match d {
        Diagnosis::Structure { .. } => "",
        Diagnosis::Semantic(p) => p,
        Diagnosis::Trailer => "mismatch",
    }
}

/// `snapshot status` on a variant: refused with the damage located, or a
/// result, as [`status_refuses`] derives from the variant. With etcdutl
/// 3.5.1 installed, also compared with it on the same file: where etcdutl
/// prints a result and etcdsnap does too, the same bytes; etcdsnap
/// refuses a few files etcdutl reads: a trailer that does not match
/// (etcdutl only looks at it on restore), a file shorter than its meta page
/// says (an incomplete copy; etcdutl reads on when the missing pages are
/// free ones), trees whose elements point outside their page (etcdutl
/// hashes whatever bytes it finds there), and a page shared by two buckets
/// or an inline bucket that does not decode.
fn assert_status(etcdutl: Option<&Path>, path: &Path, name: &str, d: &Diagnosis, what: &str) {
    let ours = run_bounded(&["snapshot", "status", &s(path), "-w", "json"]);
    assert_no_crash(&ours, what);
    let err = text(&ours.stderr);
    if status_refuses(name, d) {
        assert_eq!(
            ours.status.code(),
            Some(1),
            "{what}: status must refuse: {err}"
        );
        let mut want = locations(d, data_len(path));
        match d {
            Diagnosis::Trailer => want.push("SHA-256 trailer mismatch".into()),
            // Go's message names the zeroed page by its header: page 0.
            Diagnosis::Structure {
                kind: ProblemKind::PageIdMismatch | ProblemKind::InvalidType,
                page: Some(p),
                ..
            } => {
                want.push("page 0: invalid type: unknown<00>".into());
                want.push(format!("page {p}: invalid type: "));
            }
            Diagnosis::Structure {
                kind: ProblemKind::MultipleReferences,
                page: Some(p),
                ..
            } => want.push(format!("page {p}: multiple references")),
            _ => {}
        }
        assert!(
            want.iter().any(|w| err.contains(w.as_str())),
            "{what}: status refusal does not locate the damage (one of {want:?}): {err}"
        );
    } else {
        assert_eq!(ours.status.code(), Some(0), "{what}: status: {err}");
        let v: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
        assert!(v["revision"].as_u64().is_some_and(|r| r > 0), "{what}: {v}");
    }
    let Some(etcdutl) = etcdutl else {
        return;
    };
    let theirs = Command::new(etcdutl)
        .args(["snapshot", "status", &s(path), "-w", "json"])
        .output()
        .unwrap();
    if ours.status.code() == Some(0) {
        assert_eq!(
            theirs.status.code(),
            Some(0),
            "{what}: etcdutl refuses a file we read"
        );
        assert_eq!(
            text(&ours.stdout),
            text(&theirs.stdout),
            "{what}: status differs from etcdutl's"
        );
    }
}

/// Outputs of the read-only commands on an undamaged input.
struct Clean {
    hashkv: Output,
    dump: Output,
    wal: Option<Output>,
}

fn clean(file: &Path, dir: Option<&Path>) -> Clean {
    let target = dir.unwrap_or(file);
    let c = Clean {
        hashkv: run_bounded(&["hashkv", &s(file)]),
        dump: run_bounded(&["dump", &s(target)]),
        wal: dir.map(|d| run_bounded(&["wal", &s(d), "--start-index", "0"])),
    };
    assert_eq!(c.hashkv.status.code(), Some(0));
    assert_eq!(c.dump.status.code(), Some(0));
    c
}

/// `snapshot restore DB` into `work/restored` (`--skip-hash-check` unless
/// the trailer is what is being checked): the run and the target.
fn restore(db: &Path, work: &Path, skip_hash_check: bool) -> (Output, PathBuf) {
    let target = work.join("restored");
    let mut args = vec!["snapshot".to_string(), "restore".into(), s(db)];
    if skip_hash_check {
        args.push("--skip-hash-check".into());
    }
    args.extend(["--data-dir".into(), s(&target)]);
    (run_bounded(&args), target)
}

/// `snapshot restore` of a data dir's damaged db refuses it, naming the
/// damage: located as `common::assert_located` says for structural damage;
/// for a value that does not decode, the revision verify names, with its
/// page ("revision M.S (page P, value at file offset O) does not decode").
fn restore_refuses(db: &Path, work: &Path, what: &str, d: &Diagnosis) {
    let (o, target) = restore(db, work, true);
    assert_no_crash(&o, what);
    let what = format!("{what}: restore");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{what}: exit\n{}",
        text(&o.stderr)
    );
    match d {
        Diagnosis::Structure { .. } => assert_located(&o, d, db, &what),
        Diagnosis::Semantic(p) => {
            let rev = p.split(':').next().unwrap();
            let err = text(&o.stderr);
            assert!(
                err.contains(&format!("{rev} (page ")) && err.contains("does not decode"),
                "{what}: {rev:?} not named in {err}"
            );
        }
        Diagnosis::Trailer => assert_diagnosis(&o, &what, "trailer"),
    }
    assert!(!target.exists(), "{what}: restore left {target:?}");
}

fn restore_succeeds(db: &Path, work: &Path, what: &str) {
    let (o, target) = restore(db, work, true);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: restore: {}",
        text(&o.stderr)
    );
    std::fs::remove_dir_all(&target).unwrap();
}

/// Does the damage keep a data dir's db from being opened at all by etcd
/// (restore and save refuse it)?
fn db_refused(d: &Diagnosis) -> bool {
    match d {
        Diagnosis::Structure { .. } | Diagnosis::Trailer => true,
        Diagnosis::Semantic(p) => p.contains("does not decode"),
    }
}

fn file_case(e: &Entry, d: &Diagnosis, clean: &Clean, etcdutl: Option<&Path>, work: &Path) {
    let what = e.name.as_str();
    assert_check_finds(&e.path, d, what);
    match d {
        Diagnosis::Structure { .. } => {
            let o = run_bounded(&["verify", &s(&e.path)]);
            assert_no_crash(&o, what);
            assert_eq!(o.status.code(), Some(1), "{what}: verify");
        }
        _ => assert_verify_finds(&e.path, phrase(d), what),
    }
    assert_status(etcdutl, &e.path, &e.name, d, what);
    let hk = run_bounded(&["hashkv", &s(&e.path)]);
    assert_no_crash(&hk, what);
    let dump = run_bounded(&["dump", &s(&e.path)]);
    assert_no_crash(&dump, what);
    match d {
        Diagnosis::Structure { .. } => {
            assert_same_or_located(&hk, &clean.hashkv, d, &e.path, &format!("{what}: hashkv"));
            assert_same_or_located(&dump, &clean.dump, d, &e.path, &format!("{what}: dump"));
        }
        // etcd's hash reads the bytes as they are: a result, never a crash.
        _ => {
            assert_eq!(hk.status.code(), Some(0), "{what}: hashkv");
            if phrase(d).contains("does not decode") {
                assert_diagnosis(&dump, &format!("{what}: dump"), "does not decode");
            } else {
                assert_eq!(dump.status.code(), Some(0), "{what}: dump");
            }
        }
    }
    if db_refused(d) {
        let (o, target) = restore(&e.path, work, !matches!(d, Diagnosis::Trailer));
        assert_no_crash(&o, what);
        assert_eq!(o.status.code(), Some(1), "{what}: restore must refuse");
        assert!(!target.exists(), "{what}: restore left {target:?}");
    } else {
        restore_succeeds(&e.path, work, what);
    }
}

fn dir_case(e: &Entry, clean: &Clean, etcdutl: Option<&Path>, work: &Path) {
    let what = e.name.as_str();
    let dir = &e.path;
    let db = dir.join("member/snap/db");
    let out = work.join("saved.db");
    let save = run_bounded(&["snapshot", "save", "--data-dir", &s(dir), &s(&out)]);
    assert_no_crash(&save, what);
    let wal = run_bounded(&["wal", &s(dir), "--start-index", "0"]);
    assert_no_crash(&wal, what);
    let members = run_bounded(&["members", &s(dir)]);
    assert_no_crash(&members, what);
    let clean_wal = clean.wal.as_ref().unwrap();
    match &e.case {
        Case::Db { diagnosis: d } => {
            assert_check_finds(&db, d, what);
            match d {
                Diagnosis::Structure { .. } => {
                    let o = run_bounded(&["verify", &s(dir)]);
                    assert_eq!(o.status.code(), Some(1), "{what}: verify");
                }
                _ => assert_verify_finds(dir, phrase(d), what),
            }
            assert_status(etcdutl, &db, &e.name, d, what);
            // The WAL is intact: shown whole.
            assert_eq!(wal.status.code(), Some(0), "{what}: wal");
            assert_eq!(text(&wal.stdout), text(&clean_wal.stdout), "{what}: wal");
            if db_refused(d) {
                assert_eq!(save.status.code(), Some(1), "{what}: save must refuse");
                assert!(!save.stderr.is_empty());
                restore_refuses(&db, work, what, d);
            } else {
                assert_eq!(save.status.code(), Some(0), "{what}: save");
                restore_succeeds(&db, work, what);
            }
            if let Diagnosis::Structure { .. } = d {
                let dump = run_bounded(&["dump", &s(dir)]);
                assert_no_crash(&dump, what);
                assert_same_or_located(&dump, &clean.dump, d, &db, &format!("{what}: dump"));
            }
        }
        Case::Wal {
            file,
            offset,
            torn,
            message,
        } => {
            let rows = |o: &Output| -> Vec<String> {
                text(&o.stdout)
                    .lines()
                    .filter(|l| l.starts_with("   "))
                    .map(str::to_string)
                    .collect()
            };
            let err = text(&wal.stderr);
            assert!(err.contains(message), "{what}: wal says {err}");
            assert!(
                err.contains(&format!("{file} at offset {offset}")),
                "{what}: wal does not locate the damage: {err}"
            );
            if *torn {
                assert_eq!(
                    wal.status.code(),
                    Some(0),
                    "{what}: a torn write is a warning"
                );
                assert_eq!(save.status.code(), Some(0), "{what}: save");
                assert!(text(&save.stderr).contains("torn last write"), "{what}");
                let o = run_bounded(&["verify", &s(dir)]);
                assert_eq!(o.status.code(), Some(0), "{what}: verify");
            } else {
                assert_eq!(wal.status.code(), Some(1), "{what}: wal");
                // Every entry before the damage is still shown.
                // Every entry before the damage is shown, as in the
                // undamaged WAL, and none after it.
                let (got, full) = (rows(&wal), rows(clean_wal));
                assert!(
                    !got.is_empty() && got.len() < full.len(),
                    "{what}: {} of {} entries shown",
                    got.len(),
                    full.len()
                );
                assert_eq!(
                    got[..],
                    full[..got.len()],
                    "{what}: entries before the damage"
                );
                assert_diagnosis(&save, &format!("{what}: save"), "WAL damaged in");
                assert_diagnosis(&members, &format!("{what}: members"), "WAL damaged in");
                assert_verify_finds(dir, message, what);
            }
            db_unaffected(&db, dir, clean, work, what, !*torn);
        }
        Case::Snap { file, message } => {
            // From the newest snapshot on, as etcd-dump-logs starts.
            let wal = run_bounded(&["wal", &s(dir)]);
            assert_no_crash(&wal, what);
            assert_diagnosis(&wal, &format!("{what}: wal"), file);
            assert!(text(&wal.stderr).contains(message), "{what}");
            assert_diagnosis(&members, &format!("{what}: members"), file);
            assert_verify_finds(dir, message, what);
            // A saved snapshot holds the db (and replayed WAL) only.
            assert_eq!(save.status.code(), Some(0), "{what}: save");
            db_unaffected(&db, dir, clean, work, what, false);
        }
    }
    if out.exists() {
        // A sound snapshot; semantic damage the save carried over is still
        // there for verify to see.
        let carried = matches!(
            e.case,
            Case::Db {
                diagnosis: Diagnosis::Semantic(_)
            }
        );
        let o = run_bounded(&[if carried { "check" } else { "verify" }, &s(&out)]);
        assert_eq!(o.status.code(), Some(0), "{what}: the saved snapshot");
        std::fs::remove_file(&out).unwrap();
    }
}

/// The db commands on a data dir whose db is intact give what they give
/// on the undamaged data dir. Extraction from the data dir reads its latest
/// state, which a damaged WAL leaves unknown: a diagnosis, and `--no-wal`
/// reads the db.
fn db_unaffected(db: &Path, dir: &Path, clean: &Clean, work: &Path, what: &str, wal_damaged: bool) {
    let o = run_bounded(&["check", &s(db)]);
    assert_eq!(o.status.code(), Some(0), "{what}: check");
    let o = run_bounded(&["hashkv", &s(db)]);
    assert_eq!(
        text(&o.stdout),
        text(&clean.hashkv.stdout),
        "{what}: hashkv"
    );
    let o = run_bounded(&["dump", &s(dir)]);
    if wal_damaged {
        assert_diagnosis(&o, &format!("{what}: dump"), "WAL damaged in");
        let o = run_bounded(&["dump", &s(dir), "--no-wal"]);
        assert_eq!(
            text(&o.stdout),
            text(&clean.dump.stdout),
            "{what}: dump --no-wal"
        );
    } else {
        assert_eq!(text(&o.stdout), text(&clean.dump.stdout), "{what}: dump");
    }
    restore_succeeds(db, work, what);
}

#[test]
fn every_variant_through_every_command() {
    // Without etcdutl everything runs but the comparison with it.
    let etcdutl = oracle(
        "ETCDSNAP_ETCDUTL351",
        "/opt/etcdsnap-oracles/etcd-3.5.1/etcdutl",
    );
    let dir = tempfile::tempdir().unwrap();
    let snapshot = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let entries = matrix::build(&snapshot, &member_dir(), &dir.path().join("m")).unwrap();
    let names: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|e| e.name.split_once('-').unwrap().1)
        .collect();
    assert!(
        names.len() >= 20,
        "only {} distinct defects: {names:?}",
        names.len()
    );
    for must in [
        "wal-crc-mismatch",
        "wal-torn-tail",
        "wal-garbage-record-length",
        "wal-truncated-segment",
        "snap-crc-mismatch",
        "page-shared-across-buckets",
        "mvcc-value-garbage",
        "revision-key-malformed",
    ] {
        assert!(names.contains(must), "{must} missing from the matrix");
    }

    let clean_file = clean(&snapshot, None);
    let clean_dir = clean(&member_dir().join("member/snap/db"), Some(&member_dir()));
    for e in &entries {
        let before = tree_hash(&e.path);
        let work = tempfile::tempdir().unwrap();
        match (&e.case, e.data_dir) {
            (Case::Db { diagnosis }, false) => {
                file_case(e, diagnosis, &clean_file, etcdutl.as_deref(), work.path())
            }
            _ => dir_case(e, &clean_dir, etcdutl.as_deref(), work.path()),
        }
        assert_eq!(tree_hash(&e.path), before, "{}: input modified", e.name);
        let left: Vec<_> = std::fs::read_dir(work.path()).unwrap().collect();
        assert!(left.is_empty(), "{}: left behind {left:?}", e.name);
    }
}
