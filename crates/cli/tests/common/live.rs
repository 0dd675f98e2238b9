//! Real etcd processes on loopback ports for the live tests: started on a
//! data dir, waited for until healthy, stopped on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running etcd member.
pub struct Etcd {
    child: Child,
    /// Its client URL.
    pub endpoint: String,
    /// Its peer URL.
    pub peer: String,
    /// `user:password` for etcdctl when auth is on.
    pub user: Option<&'static str>,
    /// Directory of its etcdctl.
    pub bin: PathBuf,
    /// Its log file.
    pub log: PathBuf,
}

/// A free loopback TCP port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A peer URL on a free loopback port.
pub fn peer_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

impl Etcd {
    /// Starts `bin/etcd` as member `name` (peer URL `peer`) of
    /// `initial_cluster` on `data_dir`; does not wait.
    pub fn spawn(
        bin: &Path,
        data_dir: &Path,
        name: &str,
        peer: &str,
        initial_cluster: &str,
    ) -> Etcd {
        Self::spawn_with(bin, data_dir, name, peer, initial_cluster, &[])
    }

    /// [`Etcd::spawn`] with extra etcd flags.
    pub fn spawn_with(
        bin: &Path,
        data_dir: &Path,
        name: &str,
        peer: &str,
        initial_cluster: &str,
        extra: &[&str],
    ) -> Etcd {
        let endpoint = format!("http://127.0.0.1:{}", free_port());
        Self::spawn_on(bin, data_dir, name, peer, initial_cluster, &endpoint, extra)
    }

    /// [`Etcd::spawn_with`] serving clients on `endpoint` (a member
    /// restarted where it ran, so that the client URL it publishes again
    /// is the one it had).
    pub fn spawn_on(
        bin: &Path,
        data_dir: &Path,
        name: &str,
        peer: &str,
        initial_cluster: &str,
        endpoint: &str,
        extra: &[&str],
    ) -> Etcd {
        let endpoint = endpoint.to_string();
        let mut args: Vec<String> = vec!["--name".into(), name.into(), "--data-dir".into()];
        args.push(data_dir.to_string_lossy().into_owned());
        for (flag, value) in [
            ("--listen-client-urls", endpoint.as_str()),
            ("--advertise-client-urls", &endpoint),
            ("--listen-peer-urls", peer),
            ("--initial-advertise-peer-urls", peer),
            ("--initial-cluster", initial_cluster),
        ] {
            args.push(flag.into());
            args.push(value.into());
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        let mut e = Self::spawn_args(bin, &args, &endpoint, &data_dir.with_extension("log"));
        e.peer = peer.to_string();
        e
    }

    /// Starts `bin/etcd` with exactly `args` (which must make it listen
    /// for clients on `endpoint`), logging to `log`; does not wait.
    pub fn spawn_args(bin: &Path, args: &[String], endpoint: &str, log: &Path) -> Etcd {
        let f = std::fs::File::create(log).unwrap();
        let child = Command::new(bin.join("etcd"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(f)
            .spawn()
            .unwrap();
        Etcd {
            child,
            endpoint: endpoint.to_string(),
            peer: String::new(),
            user: None,
            bin: bin.to_path_buf(),
            log: log.to_path_buf(),
        }
    }

    /// `etcdctl` pointed at this member, with credentials when auth is on.
    pub fn ctl(&self) -> Command {
        let mut c = Command::new(self.bin.join("etcdctl"));
        c.env("ETCDCTL_API", "3");
        c.args(["--endpoints", &self.endpoint]);
        if let Some(u) = self.user {
            c.args(["--user", u]);
        }
        c
    }

    /// A root user (password `rootpw`) and `bob` (password `bobpw`) who
    /// may read and write only the keys under `prefix`; then auth enabled.
    pub fn enable_auth_with_bob(&self, prefix: &str) {
        for args in [
            &["user", "add", "root:rootpw"][..],
            &["user", "grant-role", "root", "root"],
            &["role", "add", "bobrole"],
            &[
                "role",
                "grant-permission",
                "bobrole",
                "readwrite",
                prefix,
                "--prefix",
            ],
            &["user", "add", "bob:bobpw"],
            &["user", "grant-role", "bob", "bobrole"],
            &["auth", "enable"],
        ] {
            self.ctl_ok(args);
        }
    }

    /// Puts 20 kB values (four a round, `rounds` rounds, the batch let
    /// commit between rounds) until etcd refuses one for its quota, and
    /// asserts it did ("database space exceeded") and raised NOSPACE.
    pub fn fill_until_nospace(&self, rounds: usize) {
        let big = "x".repeat(20_000);
        let mut refused = false;
        'fill: for round in 0..rounds {
            for i in 0..4 {
                let o = self
                    .ctl()
                    .args(["put", &format!("/fill/r{round}k{i}"), &big])
                    .output()
                    .unwrap();
                if !o.status.success() {
                    let err = String::from_utf8_lossy(&o.stderr);
                    assert!(err.contains("database space exceeded"), "{err}");
                    refused = true;
                    break 'fill;
                }
            }
            // Let the batch commit so the file grows to the quota.
            std::thread::sleep(Duration::from_secs(6));
        }
        assert!(refused, "the quota was never reached");
        assert!(self.ctl_ok(&["alarm", "list"]).contains("NOSPACE"));
    }

    /// Runs etcdctl with `args`, asserting success; returns stdout.
    pub fn ctl_ok(&self, args: &[&str]) -> String {
        let o = self.ctl().args(args).output().unwrap();
        assert!(
            o.status.success(),
            "etcdctl {args:?}: {}\netcd log tail: {}",
            String::from_utf8_lossy(&o.stderr),
            self.log_tail()
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// The end of the member's log.
    pub fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Waits until `endpoint health` succeeds (30 s at most).
    pub fn wait_healthy(&mut self) {
        self.wait_for(&["endpoint", "health"]);
    }

    /// Waits until `etcdctl alarm list` succeeds: the member serves, even
    /// with an active alarm (which `endpoint health` reports as unhealthy).
    pub fn wait_serving(&mut self) {
        self.wait_for(&["alarm", "list"]);
    }

    fn wait_for(&mut self, probe: &[&str]) {
        let start = Instant::now();
        loop {
            let h = self.ctl().args(probe).output().unwrap();
            if h.status.success() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("etcd exited with {status}: {}", self.log_tail());
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "etcd did not become healthy: {}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Etcd {
    /// Kills the member with SIGKILL, as a crash would, and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
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
