//! A closed standard output (`etcdsnap ... | head`) ends every command that
//! prints quietly with exit 0: the reader went away, nothing is wrong.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::{Command, Stdio};

use common::*;

#[test]
fn every_printing_command_exits_0_on_a_closed_pipe() {
    let snap = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let small = testdata().join("etcd/etcd-3.5.1.small.snapshot.db");
    let member = member_dir();
    let (f, s, m) = (
        snap.to_str().unwrap(),
        small.to_str().unwrap(),
        member.to_str().unwrap(),
    );
    let commands: Vec<Vec<&str>> = vec![
        vec!["get", f, "/", "--prefix"],
        vec!["get", f, "/", "--prefix", "-w", "json"],
        vec!["dump", f],
        vec!["dump", f, "-w", "simple"],
        vec!["history", f, "/", "--prefix"],
        vec!["diff", s, f],
        vec!["diff", s, f, "-w", "simple"],
        vec!["k8s", "summary", f],
        vec!["k8s", "summary", f, "-w", "json"],
        vec!["check", f],
        vec!["check", f, "-w", "json"],
        vec!["snapshot", "status", f, "-w", "table"],
        vec!["verify", f],
        vec!["verify", f, "-w", "json"],
        vec!["hashkv", f, "-w", "json"],
        vec!["members", m],
        vec!["wal", m],
        vec!["wal", m, "-w", "json"],
        vec!["bolt", "info", f],
        vec!["bolt", "buckets", f],
        vec!["bolt", "keys", f, "key"],
        vec!["bolt", "pages", f],
        vec!["bolt", "page", f, "0", "1", "2", "3"],
        vec!["bolt", "stats", f],
        vec!["bolt", "dump", f, "0", "1", "2", "3"],
        vec!["completions", "bash"],
        vec!["man"],
    ];
    for args in commands {
        // A pipe whose reading end is closed before the command starts:
        // its first write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_etcdsnap"))
            .args(&args)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
