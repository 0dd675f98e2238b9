//! Every committed fixture through every command: no crash, the input is
//! never written, and `check` agrees with Go bbolt's `tx.Check()`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

fn lines(o: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn bbolt_messages(path: &std::path::Path) -> (i32, Vec<String>) {
    let o = etcdsnap([
        "check".as_ref(),
        "-w".as_ref(),
        "json".as_ref(),
        path.as_os_str(),
    ]);
    assert_no_crash(&o, "check -w json");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("check json");
    let msgs = v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["bbolt"].as_str().map(str::to_string))
        .collect();
    (o.status.code().unwrap_or(-1), msgs)
}

#[test]
fn every_fixture_through_every_command() {
    for fx in fixtures() {
        let before = sha256(&fx.path);
        let p = fx.path.to_str().unwrap();
        let mut runs: Vec<Vec<String>> = vec![];
        let base: &[&[&str]] = &[
            &["check"],
            &["check", "-w", "json"],
            &["bolt", "info"],
            &["bolt", "info", "-w", "json"],
            &["bolt", "buckets"],
            &["bolt", "buckets", "-w", "json"],
            &["bolt", "pages"],
            &["bolt", "pages", "-w", "json"],
            &["bolt", "stats"],
            &["bolt", "stats", "-w", "json"],
            &["bolt", "page", "0", "1", "2"],
            &["bolt", "page", "0", "1", "2", "-w", "json"],
            &["bolt", "dump", "0", "1"],
        ];
        for args in base {
            let (head, tail) = args.split_at(if args[0] == "bolt" { 2 } else { 1 });
            let mut a: Vec<String> = head.iter().map(|s| s.to_string()).collect();
            a.push(p.to_string());
            a.extend(tail.iter().map(|s| s.to_string()));
            runs.push(a);
        }
        let o = etcdsnap(["bolt", "buckets", "--format", "hex", p]);
        assert_eq!(o.status.code(), Some(0), "{}: buckets", fx.name);
        for b in lines(&o).iter().take(12) {
            let bucket = format!("0x{b}");
            runs.push(vec!["bolt".into(), "keys".into(), p.into(), bucket.clone()]);
            runs.push(vec![
                "bolt".into(),
                "keys".into(),
                p.into(),
                bucket.clone(),
                "-w".into(),
                "json".into(),
            ]);
            let k = etcdsnap(["bolt", "keys", "--format", "hex", p, &bucket]);
            assert_no_crash(&k, "keys --format hex");
            if let Some(key) = lines(&k).first() {
                runs.push(vec![
                    "bolt".into(),
                    "get".into(),
                    p.into(),
                    bucket.clone(),
                    format!("0x{key}"),
                ]);
                runs.push(vec![
                    "bolt".into(),
                    "get".into(),
                    p.into(),
                    bucket.clone(),
                    format!("0x{key}"),
                    "-w".into(),
                    "json".into(),
                ]);
            }
        }
        for args in &runs {
            let o = etcdsnap(args);
            assert_no_crash(&o, &format!("{}: {args:?}", fx.name));
            let bucket_is_key = args.get(1).is_some_and(|c| c == "get")
                && String::from_utf8_lossy(&o.stderr).contains("is a bucket");
            assert!(
                o.status.code() == Some(0) || bucket_is_key,
                "{}: {args:?} failed: {}",
                fx.name,
                String::from_utf8_lossy(&o.stderr)
            );
            let may_be_empty = bucket_is_key || matches!(args[1].as_str(), "buckets" | "keys");
            assert!(
                !o.stdout.is_empty() || may_be_empty,
                "{}: {args:?} printed nothing",
                fx.name
            );
        }
        assert_eq!(sha256(&fx.path), before, "{} was modified", fx.name);
    }
}

#[test]
fn check_agrees_with_recorded_bbolt_check() {
    let mut compared = 0;
    for fx in fixtures() {
        let Some(txt) = expected(&format!("{}.bboltcheck.txt", fx.name)) else {
            panic!("no recorded bbolt check output for {}", fx.name);
        };
        let rc = expected(&format!("{}.bboltcheck.rc", fx.name)).unwrap_or_default();
        let want: Vec<String> = txt.lines().map(str::to_string).collect();
        let (code, got) = bbolt_messages(&fx.path);
        assert_eq!(got, want, "{}: messages differ from Go tx.Check()", fx.name);
        assert_eq!(code.to_string(), rc.trim(), "{}: exit code", fx.name);
        compared += 1;
    }
    assert!(compared >= 12);
}

#[test]
fn check_agrees_with_live_go_bbolt() {
    check_agrees_with_live(
        "ETCDSNAP_BBOLTCHECK",
        "/opt/etcdsnap-oracles/bin/bboltcheck",
    );
}

/// Go bbolt 1.4.3's checker: the same messages (none: every fixture is
/// clean) and exit status.
#[test]
fn check_agrees_with_live_go_bbolt_14() {
    check_agrees_with_live(
        "ETCDSNAP_BBOLTCHECK14",
        "/opt/etcdsnap-oracles/bin/bboltcheck14",
    );
}

fn check_agrees_with_live(var: &str, default: &str) {
    let Some(go) = oracle(var, default) else {
        return;
    };
    for fx in fixtures() {
        // bboltcheck opens read-only; run it on a copy all the same.
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("db");
        std::fs::copy(&fx.path, &copy).unwrap();
        let o = std::process::Command::new(&go).arg(&copy).output().unwrap();
        let want: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        let (code, got) = bbolt_messages(&fx.path);
        assert_eq!(
            got, want,
            "{}: messages differ from live Go tx.Check()",
            fx.name
        );
        assert_eq!(
            Some(code),
            o.status.code(),
            "{}: exit code differs",
            fx.name
        );
    }
}

/// A recorded output, plain or gzipped.
fn expected_any(name: &str) -> Option<String> {
    if let Some(s) = expected(name) {
        return Some(s);
    }
    let gz = testdata().join("expected").join(format!("{name}.gz"));
    let f = std::fs::File::open(gz).ok()?;
    let mut s = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(f), &mut s).ok()?;
    Some(s)
}

#[test]
fn stats_and_pages_agree_with_recorded_go_bbolt() {
    for fx in fixtures() {
        for cmd in ["stats", "pages"] {
            let want = expected_any(&format!("{}.bboltcli.{cmd}.txt", fx.name))
                .unwrap_or_else(|| panic!("no recorded bboltcli {cmd} for {}", fx.name));
            let o = etcdsnap(["bolt".as_ref(), cmd.as_ref(), fx.path.as_os_str()]);
            assert_no_crash(&o, cmd);
            assert_eq!(
                String::from_utf8_lossy(&o.stdout),
                want,
                "{}: bolt {cmd}",
                fx.name
            );
        }
    }
}

#[test]
fn stats_and_pages_agree_with_live_go_bbolt() {
    let Some(go) = oracle("ETCDSNAP_BBOLTCLI", "/opt/etcdsnap-oracles/bin/bboltcli") else {
        return;
    };
    for fx in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("db");
        std::fs::copy(&fx.path, &copy).unwrap();
        for args in [&["stats"][..], &["stats", "key"], &["pages"]] {
            let o = std::process::Command::new(&go)
                .arg(args[0])
                .arg(&copy)
                .args(&args[1..])
                .output()
                .unwrap();
            let mut ours: Vec<std::ffi::OsString> =
                vec!["bolt".into(), args[0].into(), fx.path.clone().into()];
            ours.extend(args[1..].iter().map(|a| a.into()));
            let e = etcdsnap(&ours);
            assert_eq!(
                String::from_utf8_lossy(&e.stdout),
                String::from_utf8_lossy(&o.stdout),
                "{}: bolt {args:?} differs from live Go bbolt",
                fx.name
            );
        }
    }
}
