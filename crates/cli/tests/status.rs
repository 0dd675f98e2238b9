//! `snapshot status` against etcdutl 3.5.1 and etcdctl 3.4.23 (recorded
//! outputs for every fixture and format, and the live tools side by side)
//! and etcdutl 3.5.30 (live).
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
    status_with(path, fmt, &[])
}

/// `etcdsnap snapshot status PATH -w FMT` with `extra` arguments.
fn status_with(path: &std::path::Path, fmt: &str, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "snapshot".as_ref(),
        "status".as_ref(),
        path.as_os_str(),
        "-w".as_ref(),
        fmt.as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    etcdsnap(args)
}

/// Runs `tool snapshot status -w FMT` on a fresh copy of `path` in `dir`,
/// asserting success; returns stdout.
fn live_status(
    tool: &std::path::Path,
    path: &std::path::Path,
    dir: &std::path::Path,
    fmt: &str,
) -> String {
    // Read-only opens, but a fresh copy each time all the same.
    let copy = dir.join("db");
    std::fs::copy(path, &copy).unwrap();
    let real = std::process::Command::new(tool)
        .env("ETCDCTL_API", "3")
        .args(["snapshot", "status", "-w", fmt])
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(
        real.status.code(),
        Some(0),
        "{} failed on {}",
        tool.display(),
        path.display()
    );
    String::from_utf8(real.stdout).unwrap()
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
        for fmt in FORMATS {
            for (name, cmd, version) in [
                ("etcdutl 3.5.1", &etcdutl, "3.5.1"),
                ("etcdctl 3.4.23", &etcdctl, "3.4.23"),
            ] {
                let o = status_with(&fx.path, fmt, &["--etcd-version", version]);
                assert_eq!(
                    String::from_utf8_lossy(&o.stdout),
                    live_status(cmd, &fx.path, dir.path(), fmt),
                    "{} -w {fmt} differs from live {name}",
                    fx.name
                );
            }
        }
    }
}

/// etcdutl 3.5.30 as Debian builds it (against tablewriter 1.x: box-drawn
/// tables; upstream's 3.5.30 is built against 0.0.5 and prints ASCII):
/// every fixture, every format, with `--table-style box` for the table.
/// With no flag the fixtures' cluster versions (3.5.0, 3.4.0) choose
/// 3.5.30 and 3.4.45, whose status equals 3.5.30's but for the style.
#[test]
fn status_is_byte_identical_to_live_etcdutl_3530() {
    let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") else {
        return;
    };
    let etcdutl = bin.join("etcdutl");
    let mut boxed = 0;
    for fx in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        for fmt in FORMATS {
            let real = live_status(&etcdutl, &fx.path, dir.path(), fmt);
            let style: &[&str] = if fmt == "table" {
                boxed += 1;
                assert!(real.starts_with('┌'), "{real}");
                &["--table-style", "box"]
            } else {
                &[]
            };
            for version in [&["--etcd-version", "3.5.30"][..], &[]] {
                let args = [version, style].concat();
                let o = status_with(&fx.path, fmt, &args);
                assert_eq!(
                    String::from_utf8_lossy(&o.stdout),
                    real,
                    "{} -w {fmt} {args:?} differs from live etcdutl 3.5.30",
                    fx.name
                );
            }
            // Without --table-style: upstream's ASCII, the same cells.
            if fmt == "table" {
                let o = status_with(&fx.path, fmt, &["--etcd-version", "3.5.30"]);
                let ascii = String::from_utf8(o.stdout).unwrap();
                assert!(ascii.starts_with('+'), "{ascii}");
                let cells = |t: &str| -> Vec<String> {
                    t.split(['|', '│', '\n'])
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty() && !c.starts_with(['+', '┌', '├', '└']))
                        .collect()
                };
                assert_eq!(cells(&ascii), cells(&real), "{}", fx.name);
            }
        }
    }
    assert!(boxed >= 12);
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

/// Box-drawn tables as Go's tablewriter 1.x draws them (etcdutl 3.7's
/// printer, run through `testdata/go/tablewriter1` and recorded): empty
/// cells, odd gaps around centred headers, the hashkv headers.
#[test]
fn box_tables_equal_go_tablewriter_1_recorded() {
    let recorded = expected("tablewriter1.txt").expect("testdata/expected/tablewriter1.txt");
    let mut cases = 0;
    for case in recorded.split("# ").filter(|c| !c.is_empty()) {
        let (input, table) = case.split_once('\n').unwrap();
        let (hdr, row) = input.split_once(" => ").unwrap();
        let hdr: Vec<String> = hdr.split('|').map(str::to_uppercase).collect();
        let hdr: Vec<&str> = hdr.iter().map(String::as_str).collect();
        let row: Vec<String> = row.split('|').map(str::to_string).collect();
        assert_eq!(
            etcdsnap_verify::status::table_in(
                etcdsnap_schema::release::TableStyle::Box,
                &hdr,
                &row
            ),
            table,
            "{input}"
        );
        cases += 1;
    }
    assert_eq!(cases, 7);
}

/// With no `--etcd-version`, the release that wrote the db chooses the
/// answers: the minor of `meta/storageVersion` (which wins, with a
/// warning, over a `cluster/clusterVersion` of another minor), else of the
/// cluster version, else 3.5; stderr names the release and why. A chosen
/// release overrides it. (No 3.6 or 3.7 binary is available: the 3.6 and
/// 3.7 answers follow their source, docs/etcd-compat.md.)
#[test]
fn the_writers_release_chooses_the_answers_derived_from_etcd_v3_6_and_v3_7_source() {
    let fixture = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let dir = tempfile::tempdir().unwrap();
    let db = |name: &str, edits: &[KeyEdit<'_>]| {
        let p = dir.path().join(name);
        rewrite_with(&fixture, &p, edits);
        p
    };
    let v36 = db("v36.db", &[(b"meta", b"storageVersion", Some(b"3.6.0"))]);
    let v37 = db(
        "v37.db",
        &[
            (b"meta", b"storageVersion", Some(b"3.7.0")),
            (b"cluster", b"clusterVersion", Some(b"3.7.0")),
        ],
    );
    let bare = db("bare.db", &[(b"cluster", b"clusterVersion", None)]);
    let v39 = db("v39.db", &[(b"cluster", b"clusterVersion", Some(b"3.9.0"))]);
    let run = |p: &std::path::Path, fmt: &str, extra: &[&str]| {
        let o = status_with(p, fmt, extra);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        (
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };
    let (out, err) = run(&v36, "json", &[]);
    assert!(out.contains(r#""version":"3.6.0""#), "{out}");
    assert!(err.contains("answering as etcd 3.6.14 (the newest 3.6 this build knows; storage version 3.6.0 in the db)"), "{err}");
    assert!(
        err.contains("storage version 3.6.0 and cluster version 3.5.0 disagree"),
        "{err}"
    );
    let (out, err) = run(&v37, "table", &[]);
    assert!(out.starts_with('┌') && out.contains("VERSION"), "{out}");
    assert!(!err.contains("disagree"), "{err}");
    let (out, err) = run(&v37, "table", &["--table-style", "ascii"]);
    assert!(out.starts_with('+'), "{out}{err}");
    let (out, err) = run(&bare, "json", &[]);
    assert!(!out.contains("version"), "{out}");
    assert!(
        err.contains(
            "answering as etcd 3.5.30 (the newest 3.5 this build knows; the db names no version)"
        ),
        "{err}"
    );
    let (out, err) = run(&v39, "simple", &[]);
    assert!(
        err.contains("\"3.9.0\", which this build has no rules for: answering as 3.7.1"),
        "{err}"
    );
    assert!(out.trim_end().ends_with(','), "no storage version: {out}");
    // A chosen release wins over the db's.
    for (p, fmt) in [(&v36, "json"), (&v37, "table")] {
        let (out, err) = run(p, fmt, &["--etcd-version", "3.5.1"]);
        // 3.5's answer: no version, ASCII.
        assert!(!out.to_lowercase().contains("version"), "{out}");
        assert!(fmt != "table" || out.starts_with('+'), "{out}");
        assert!(
            err.contains("answering as etcd 3.5.1 (--etcd-version)"),
            "{err}"
        );
    }
}
