//! `hashkv` against a live etcd 3.5.1 serving the same data: the fixture
//! snapshot is restored with the real etcdutl, real etcd is started on
//! loopback, and `etcdctl endpoint hashkv --rev N` is compared with
//! `etcdsnap hashkv --rev N` at the head, just after the compaction, in
//! between, and at the error bounds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Etcd {
    child: Child,
    endpoint: String,
    user: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl Etcd {
    /// `etcdctl` pointed at this etcd, with credentials when auth is on.
    fn ctl(&self, bin: &Path) -> Command {
        let mut c = Command::new(bin.join("etcdctl"));
        c.args(["--endpoints", &self.endpoint]);
        if let Some(u) = self.user {
            c.args(["--user", u]);
        }
        c
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        // SIGTERM, then SIGKILL after a bound.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_etcd(bin: &Path, snapshot: &Path, user: Option<&'static str>) -> Etcd {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (cp, pp) = (free_port(), free_port());
    let peer = format!("http://127.0.0.1:{pp}");
    let endpoint = format!("http://127.0.0.1:{cp}");
    let copy = dir.path().join("snap.db");
    std::fs::copy(snapshot, &copy).unwrap();
    let r = Command::new(bin.join("etcdutl"))
        .args(["snapshot", "restore"])
        .arg(&copy)
        .arg("--data-dir")
        .arg(&data)
        .args(["--name", "m1", "--initial-cluster", &format!("m1={peer}")])
        .args(["--initial-advertise-peer-urls", &peer])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "etcdutl restore: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let log = std::fs::File::create(dir.path().join("etcd.log")).unwrap();
    let child = Command::new(bin.join("etcd"))
        .args(["--name", "m1", "--data-dir"])
        .arg(&data)
        .args([
            "--listen-client-urls",
            &endpoint,
            "--advertise-client-urls",
            &endpoint,
        ])
        .args([
            "--listen-peer-urls",
            &peer,
            "--initial-advertise-peer-urls",
            &peer,
        ])
        .args(["--initial-cluster", &format!("m1={peer}")])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let etcd = Etcd {
        child,
        endpoint,
        user,
        _dir: dir,
    };
    let start = Instant::now();
    loop {
        let h = etcd.ctl(bin).args(["endpoint", "health"]).output().unwrap();
        if h.status.success() {
            return etcd;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "etcd did not become healthy"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Compares hashkv at several revisions, and the error bounds, with a live
/// etcd serving `fixture`.
fn compare_with_live(bin: &Path, fixture: &Path, user: Option<&'static str>) {
    let ours_at = |rev: i64| {
        let o = etcdsnap([
            "hashkv".as_ref(),
            fixture.as_os_str(),
            "--rev".as_ref(),
            rev.to_string().as_ref(),
            "-w".as_ref(),
            "json".as_ref(),
        ]);
        assert_no_crash(&o, "hashkv");
        o
    };
    let head: serde_json::Value = serde_json::from_slice(&ours_at(0).stdout).unwrap();
    let head_rev = head["hashRevision"].as_i64().unwrap();
    let compact = head["compactRevision"].as_i64().unwrap();
    let first = if compact > 0 { compact + 1 } else { 1 };
    assert!(head_rev > first + 2, "fixture too short: {head}");

    let etcd = start_etcd(bin, fixture, user);
    let revs = [
        0,
        first,
        first + 1,
        (first + head_rev) / 2,
        head_rev - 1,
        head_rev,
    ];
    for rev in revs {
        let live = etcd
            .ctl(bin)
            .args([
                "endpoint",
                "hashkv",
                "--rev",
                &rev.to_string(),
                "-w",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            live.status.success(),
            "etcdctl hashkv --rev {rev}: {}",
            String::from_utf8_lossy(&live.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&live.stdout).unwrap();
        let hk = &v[0]["HashKV"];
        let ours: serde_json::Value = serde_json::from_slice(&ours_at(rev).stdout).unwrap();
        assert_eq!(
            ours["hash"],
            hk["hash"],
            "{}: hash at --rev {rev}: ours {ours}, etcd {hk}",
            fixture.display()
        );
        // etcd omits a zero compact revision from its JSON; -1 (never) is sent.
        let live_compact = hk["compact_revision"].as_i64().unwrap_or(0);
        assert_eq!(
            ours["compactRevision"].as_i64().unwrap(),
            live_compact,
            "compact revision at --rev {rev}"
        );
    }
    // At or below the compact revision, and past the head: etcd's errors.
    let mut bounds = vec![(head_rev + 1, "future revision")];
    if compact > 0 {
        bounds.push((compact - 1, "compacted"));
        bounds.push((compact, "compacted"));
    }
    for (rev, word) in bounds {
        let live = etcd
            .ctl(bin)
            .args(["endpoint", "hashkv", "--rev", &rev.to_string()])
            .output()
            .unwrap();
        assert!(!live.status.success());
        assert!(
            String::from_utf8_lossy(&live.stderr).contains(word),
            "etcd: {}",
            String::from_utf8_lossy(&live.stderr)
        );
        let o = ours_at(rev);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(word),
            "ours: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn hashkv_equals_live_etcd_351() {
    let Some(etcd_bin) = oracle("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd") else {
        return;
    };
    let bin: PathBuf = etcd_bin.parent().unwrap().to_path_buf();
    // Compacted at revision 61, auth enabled; and a never compacted one.
    compare_with_live(
        &bin,
        &testdata().join("etcd/etcd-3.5.1.snapshot.db"),
        Some("root:rootpw"),
    );
    compare_with_live(
        &bin,
        &testdata().join("etcd/etcd-3.5.1.small.snapshot.db"),
        None,
    );
}
