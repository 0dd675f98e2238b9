//! What a new user hit, each pinned: paths of the wrong kind, etcdutl's
//! words, a busy restore target, history of a compacted key, JSON Lines
//! under `-w json`, binary keys in line output, and what a diff changed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn paths_of_the_wrong_kind_get_one_message_and_exit_2() {
    let snap = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let tmp = tempfile::tempdir().unwrap();
    let empty_dir = tmp.path();
    for (args, want) in [
        (
            vec!["wal".as_ref(), snap.as_os_str()],
            "expected a data dir (holding member/wal), got a file",
        ),
        (
            vec!["defrag".as_ref(), snap.as_os_str()],
            "expected a data dir (holding member/snap/db), got a file",
        ),
        (
            vec!["check".as_ref(), empty_dir.as_os_str()],
            "got a directory without one",
        ),
        (
            vec!["members".as_ref(), empty_dir.as_os_str()],
            "got a directory without one",
        ),
        (
            vec!["check".as_ref(), "/nonexistent/x.db".as_ref()],
            "/nonexistent/x.db: no such file",
        ),
    ] {
        let o = etcdsnap(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let e = stderr(&o);
        assert!(e.contains(want), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "said once: {e}");
        assert!(!e.contains("os error"), "no raw OS error: {e}");
    }
    // A data dir is read through its member/snap/db, and says so.
    let member = member_dir();
    let o = etcdsnap(["check".as_ref(), member.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stderr(&o).contains("reading ") && stderr(&o).contains("member/snap/db"));
}

#[test]
fn etcdutl_words_point_to_the_snapshot_subcommands() {
    for w in ["restore", "status", "save"] {
        let o = etcdsnap([w, "x.db"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains(&format!("etcdsnap snapshot {w}")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_busy_restore_target_says_what_is_in_it() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("busy");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), b"x").unwrap();
    let snap = testdata().join("etcd/etcd-3.5.1.small.snapshot.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "restore".as_ref(),
        snap.as_os_str(),
        "--data-dir".as_ref(),
        target.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not empty: it holds notes.txt"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn history_says_what_compaction_left_and_lists_keys_only() {
    let snap = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let o = etcdsnap([
        "history".as_ref(),
        snap.as_os_str(),
        "/never/written".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("compacted at revision 61"),
        "{}",
        stderr(&o)
    );
    let o = etcdsnap([
        "history".as_ref(),
        snap.as_os_str(),
        "/".as_ref(),
        "--prefix".as_ref(),
        "--keys-only".as_ref(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 10);
    for l in &lines {
        assert!(
            l.get("value").is_none() && l.get("value_base64").is_none(),
            "{l}"
        );
        let rev = l["revision"].as_str().unwrap();
        assert!(rev.split_once('.').is_some(), "main.sub: {rev}");
    }
}

#[test]
fn binary_keys_are_escaped_in_line_output_and_diff_names_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.db"), tmp.path().join("b.db"));
    tiny_db(&a, &[(b"\xffbin", b"v", 0), (b"/leased", b"x", 0)]);
    tiny_db(&b, &[(b"\xffbin", b"v", 0), (b"/leased", b"x", 7)]);
    let o = etcdsnap([
        "dump".as_ref(),
        a.as_os_str(),
        "-w".as_ref(),
        "simple".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = String::from_utf8(o.stdout).expect("no raw binary in line output");
    assert!(out.contains("\"\\xffbin\""), "{out}");
    let o = etcdsnap([
        "diff".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "-w".as_ref(),
        "simple".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "~ /leased (lease changed; mod revision 3 -> 3)\n"
    );
    let o = etcdsnap([
        "diff".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["changed"], serde_json::json!(["lease"]));
}

/// `verify DIR` reports the WAL tail: with the db's consistent index set
/// back to 0, the member's WAL holds committed entries the db lacks, and
/// the db is older than the newest .snap, which etcd does not start from:
/// not restorable as read.
#[test]
fn verify_of_a_data_dir_reports_the_committed_entries_its_db_lacks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    for sub in ["member/wal", "member/snap"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for e in std::fs::read_dir(member_dir().join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join(sub).join(e.file_name())).unwrap();
        }
    }
    // As it is: the db holds every committed entry.
    let o = etcdsnap([
        "verify".as_ref(),
        dir.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["wal_tail"]["committed_past_db"], 0);
    // The db rolled back to consistent index 0.
    let db = dir.join("member/snap/db");
    rewrite_with(
        &db,
        &db,
        &[(b"meta", b"consistent_index", Some(&0u64.to_be_bytes()))],
    );
    let o = etcdsnap(["verify".as_ref(), dir.as_os_str()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("committed entries past the db, which do not replay"),
        "{text}"
    );
    assert!(text.contains("problem [wal]:"), "{text}");
    assert!(
        text.contains("older than the newest .snap (index 51)"),
        "{text}"
    );
    assert!(!text.contains("OK: restorable"), "{text}");
    // Reading the db alone says what it leaves out.
    let o = etcdsnap([
        "get".as_ref(),
        dir.as_os_str(),
        "/".as_ref(),
        "--prefix".as_ref(),
        "--no-wal".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        stderr(&o).contains("committed WAL entries past its consistent index 0 are left out"),
        "{}",
        stderr(&o)
    );
}

/// A truncated file's buckets are unreadable, and `verify` says so rather
/// than showing them empty; restoring it says truncated with both sizes.
#[test]
fn unreadable_is_not_empty_and_truncated_says_truncated() {
    let tmp = tempfile::tempdir().unwrap();
    let orig = std::fs::read(testdata().join("etcd/etcd-3.5.1.snapshot.db")).unwrap();
    let cut = tmp.path().join("cut.db");
    std::fs::write(&cut, &orig[..100_000]).unwrap();
    let o = etcdsnap(["verify".as_ref(), cut.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("revisions:        unreadable: the bbolt structure is damaged"),
        "{text}"
    );
    assert!(text.contains("members:          unreadable\n"), "{text}");
    assert!(!text.contains("users []"), "{text}");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "restore".as_ref(),
        cut.as_os_str(),
        "--data-dir".as_ref(),
        tmp.path().join("r").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "truncated: the file ends at 100000 bytes of database where its meta page says 1134592"
        ),
        "{e}"
    );
    assert!(!e.contains("--skip-hash-check to restore it"), "{e}");
}

/// `--etcd-version` is global: every command takes it, before or after
/// its name, and where releases do not differ the answer is the same; a
/// release etcdsnap has no rules for, or no release at all, exits 2.
#[test]
fn every_command_takes_etcd_version_and_an_unknown_release_exits_2() {
    let snap = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let snap = snap.to_str().unwrap();
    let member = member_dir();
    let member = member.to_str().unwrap();
    let commands: [&[&str]; 12] = [
        &["check", snap],
        &["verify", snap],
        &["get", snap, "/", "--prefix"],
        &["dump", snap],
        &["history", snap, "/", "--prefix"],
        &["members", snap],
        &["bolt", "buckets", snap],
        &["k8s", "summary", snap],
        &["wal", member],
        &["snapshot", "status", snap],
        &["hashkv", snap],
        &["diff", snap, snap],
    ];
    for args in commands {
        let plain = etcdsnap(args);
        assert_eq!(plain.status.code(), Some(0), "{args:?}: {}", stderr(&plain));
        for flag in [&["--etcd-version", "3.5.1"][..], &["--etcd-version", "3.7"]] {
            let before = etcdsnap(flag.iter().chain(args));
            let after = etcdsnap(args.iter().chain(flag));
            for o in [&before, &after] {
                assert_eq!(o.status.code(), Some(0), "{args:?} {flag:?}: {}", stderr(o));
            }
            assert_eq!(before.stdout, after.stdout, "{args:?} {flag:?}");
            // status, hashkv and verify (3.6+ schema rules) answer by release.
            if !matches!(args[0], "snapshot" | "hashkv" | "verify") || flag[1] == "3.5.1" {
                assert_eq!(before.stdout, plain.stdout, "{args:?} {flag:?}");
            }
        }
        for (bad, says) in [
            ("3.9", "etcd 3.9 is not a release etcdsnap knows"),
            ("3.5.x", "is not an etcd release"),
        ] {
            let o = etcdsnap(args.iter().chain(&["--etcd-version", bad]));
            assert_eq!(o.status.code(), Some(2), "{args:?} {bad}");
            assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        }
    }
}
