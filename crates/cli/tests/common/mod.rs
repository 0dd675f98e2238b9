//! Shared helpers for the command-line tests: fixtures, running the
//! binary, hashing inputs.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod live;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use etcdsnap_bbolt::check::ProblemKind;
use etcdsnap_testsupport::etcd_damage::Diagnosis;
use sha2::{Digest, Sha256};

/// The repository's `testdata/`.
pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// A directory for files unpacked from compressed fixtures, shared by
/// every test binary and run: `<target>/tmp/unpacked-fixtures-<hash of
/// the archives>`, made once (unpacked beside it, then renamed into
/// place, so concurrent test binaries never see half of it) and left
/// there for the next run, so no test run leaves copies in /tmp.
fn unpacked() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let gz = testdata().join("bolt/big-freelist.db.gz");
        let tgz = testdata().join("etcd/etcd-3.5.1-member.tar.gz");
        let mut h = Sha256::new();
        for f in [&gz, &tgz] {
            h.update(std::fs::read(f).expect("read fixture archive"));
        }
        let tag = hex::encode(&h.finalize()[..8]);
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let dir = base.join(format!("unpacked-fixtures-{tag}"));
        if dir.is_dir() {
            return dir;
        }
        let work = tempfile::tempdir_in(&base).expect("tempdir");
        let mut r = flate2::read::GzDecoder::new(std::fs::File::open(&gz).expect("open gz"));
        let mut w = std::fs::File::create(work.path().join("big-freelist.db")).expect("create");
        std::io::copy(&mut r, &mut w).expect("gunzip");
        let member = work.path().join("etcd-3.5.1-member");
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(
            std::fs::File::open(&tgz).expect("open tgz"),
        ));
        ar.unpack(&member).expect("untar");
        std::fs::copy(
            member.join("member/snap/db"),
            work.path().join("etcd-3.5.1-member.db"),
        )
        .expect("copy db");
        // Another binary may have won the race; its copy is as good.
        let work = work.keep();
        if std::fs::rename(&work, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&work);
            assert!(
                dir.is_dir(),
                "unpacked fixtures missing at {}",
                dir.display()
            );
        }
        dir
    })
    .as_path()
}

/// A fixture: its display name (as in `testdata/expected/`) and path.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub path: PathBuf,
}

/// Every bbolt fixture: the Go-bbolt files, the etcd snapshots, and the
/// database of the stopped member.
pub fn fixtures() -> Vec<Fixture> {
    let mut v = Vec::new();
    for dir in ["bolt", "etcd"] {
        let mut entries: Vec<_> = std::fs::read_dir(testdata().join(dir))
            .expect("read testdata")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "db"))
            .collect();
        entries.sort();
        for p in entries {
            v.push(Fixture {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                path: p,
            });
        }
    }
    for name in ["big-freelist.db", "etcd-3.5.1-member.db"] {
        v.push(Fixture {
            name: name.to_string(),
            path: unpacked().join(name),
        });
    }
    assert!(v.len() >= 12, "fixtures missing: {v:?}");
    v
}

/// The path of an unpacked member data dir.
pub fn member_dir() -> PathBuf {
    unpacked().join("etcd-3.5.1-member")
}

/// Runs `etcdsnap` with `args`.
pub fn etcdsnap<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_etcdsnap"))
        .args(args)
        .output()
        .expect("run etcdsnap")
}

/// Asserts the command did not crash: an exit code in 0..=2 and no panic text.
pub fn assert_no_crash(o: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{what}: exit status {:?}\nstderr: {stderr}",
        o.status
    );
    assert!(!stderr.contains("panicked"), "{what}: panicked: {stderr}");
}

/// `o`'s standard output; `o` must have succeeded (else a panic naming
/// `what`, with its status and both outputs).
pub fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// SHA-256 of a file.
pub fn sha256(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).expect("read")))
}

/// The recorded output of a real tool, if recorded.
pub fn expected(name: &str) -> Option<String> {
    std::fs::read_to_string(testdata().join("expected").join(name)).ok()
}

/// True when a missing oracle fails the run: under CI (`CI=true`) or with
/// `ETCDSNAP_REQUIRE_ORACLES=1`.
pub fn ci() -> bool {
    etcdsnap_testsupport::oracles::required()
}

/// Finds an oracle binary: `$ENV_VAR`, then `/opt/etcdsnap-oracles/...`.
/// Panics when oracles are required ([`ci`]) and it is missing; otherwise
/// prints `SKIPPED (oracle ... missing): TEST` where the developer sees it
/// (and in `target/etcdsnap-skipped-oracles.txt`) and returns None.
pub fn oracle(env_var: &str, default: &str) -> Option<PathBuf> {
    etcdsnap_testsupport::oracles::find(env_var, default)
}

/// Address-space limit for a run of etcdsnap on hostile input: a few GiB
/// of mappings and thread stacks, far below what unbounded allocation
/// would reach.
pub const MEMORY_LIMIT: u64 = 4 << 30;

/// Runs etcdsnap under `prlimit` (address space [`MEMORY_LIMIT`]) with a
/// deadline; a run past it is a hang and fails the test.
pub fn run_bounded<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    let mut child = Command::new("prlimit")
        .arg(format!("--as={MEMORY_LIMIT}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_etcdsnap"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run prlimit etcdsnap");
    let start = Instant::now();
    // Drain the pipes while waiting, so a large output cannot block.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).map(|_| v)
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).map(|_| v)
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kill");
            let args: Vec<_> = args.iter().map(|a| a.as_ref().to_owned()).collect();
            panic!("hang: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Output {
        status,
        stdout: o.join().expect("join").expect("read stdout"),
        stderr: e.join().expect("join").expect("read stderr"),
    }
}

/// `etcdsnap get PATH "" --prefix -w json` with `extra` flags, asserting
/// success: the parsed output (etcdctl's shape) and the run's stderr.
pub fn get_all_json(path: &Path, extra: &[&str]) -> (serde_json::Value, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "get".as_ref(),
        path.as_os_str(),
        "".as_ref(),
        "--prefix".as_ref(),
        "-w".as_ref(),
        "json".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let o = etcdsnap(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "get {}: {stderr}", path.display());
    (
        serde_json::from_slice(&o.stdout).expect("get -w json"),
        stderr,
    )
}

/// Copies the WAL and snap dirs of the data dir `from` (a killed member's,
/// whose db is still open) to each of `to`.
pub fn copy_wal_and_snap(from: &Path, to: &[&Path]) {
    for t in to {
        for sub in ["member/wal", "member/snap"] {
            std::fs::create_dir_all(t.join(sub)).expect("mkdir");
            for f in std::fs::read_dir(from.join(sub)).expect("read dir") {
                let f = f.expect("entry");
                if f.path().is_file() {
                    std::fs::copy(f.path(), t.join(sub).join(f.file_name())).expect("copy");
                }
            }
        }
    }
}

/// The phrases that locate a variant's damage precisely, derived from the
/// variant (what its generator damaged), one of which a diagnosis must
/// hold: the damaged page named with its file offset; for a truncation,
/// the length the file now ends at (a reader fails at whichever page it
/// needs first past the cut); for a child pointer beyond the end of the
/// file, the file's length; for both meta pages bad, both named.
pub fn locations(d: &Diagnosis, file_len: u64) -> Vec<String> {
    let Diagnosis::Structure { kind, page, offset } = d else {
        return Vec::new();
    };
    let mut v = Vec::new();
    match kind {
        ProblemKind::Truncated | ProblemKind::BeyondEndOfFile => {
            // The data part: a trailer is not part of the database.
            v.push(format!("end of the file at {file_len}"));
            v.push(format!("the file ({file_len} bytes"));
            v.push(format!("file ends at {file_len}"));
            v.push(format!("database part is {file_len} bytes"));
        }
        ProblemKind::MetaInvalid if *page == Some(0) && *offset == Some(0) => {
            v.push("meta page 0: checksum error".into());
        }
        _ => {}
    }
    if let Some(p) = page {
        v.push(format!("page {p} (file offset "));
        v.push(format!("page {p} (offset "));
    }
    v
}

/// The length of a file's database part (a SHA-256 trailer set aside).
pub fn data_len(path: &Path) -> u64 {
    let n = std::fs::metadata(path).unwrap().len();
    if n % 512 == 32 {
        n - 32
    } else {
        n
    }
}

/// Does `snapshot status` refuse this variant? Structural damage, except
/// keys out of order (a warning: etcd reads such a file) and one bad meta
/// page (the other is used, as bbolt does); the trailer; not the semantic
/// damage, which etcd's status hashes as it is.
pub fn status_refuses(name: &str, d: &Diagnosis) -> bool {
    match d {
        Diagnosis::Structure { kind, .. } => {
            *kind != ProblemKind::KeyOrder && !name.ends_with("newer-meta-bad-checksum")
        }
        Diagnosis::Semantic(_) => false,
        Diagnosis::Trailer => true,
    }
}

/// Pages under `from` in the file at `path` (branch children, each once).
pub fn pages_under(path: &Path, from: u64) -> Vec<u64> {
    let bytes = std::fs::read(path).unwrap();
    let Ok(db) = etcdsnap_bbolt::Db::open(&bytes) else {
        return Vec::new();
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![from];
    while let Some(p) = stack.pop() {
        if !seen.insert(p) {
            continue;
        }
        if let Ok(n) = db.node(etcdsnap_bbolt::PageId(p)) {
            if !n.is_leaf {
                stack.extend((0..n.count).filter_map(|i| n.branch(i).ok().map(|b| b.child.0)));
            }
        }
    }
    seen.into_iter().collect()
}

/// Asserts a failed run's stderr locates the damage ([`locations`]; for
/// a cycle, a reader that follows it may stop at any page under it).
pub fn assert_located(o: &Output, d: &Diagnosis, path: &Path, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    let mut want = locations(d, data_len(path));
    if let Diagnosis::Structure {
        kind: ProblemKind::Cycle,
        page: Some(p),
        ..
    } = d
    {
        for c in pages_under(path, *p) {
            want.push(format!("page {c} (file offset "));
        }
    }
    assert!(
        want.iter().any(|w| err.contains(w.as_str())),
        "{what}: exit {:?}, diagnosis does not locate the damage (one of {want:?}): {err}",
        o.status.code()
    );
}

/// One edit for [`rewrite_with`]: in a top-level bucket, set a key
/// (`Some`) or delete it (`None`).
pub type KeyEdit<'a> = (&'a [u8], &'a [u8], Option<&'a [u8]>);

/// Writes a copy of the db at `from` to `to` with `edits` applied.
pub fn rewrite_with(from: &Path, to: &Path, edits: &[KeyEdit<'_>]) {
    let bytes = std::fs::read(from).unwrap();
    let src = etcdsnap_bbolt::Db::open(&bytes).unwrap();
    let mut all = etcdsnap_bbolt::rewrite::Edits::new();
    for (bucket, key, value) in edits {
        all.entry(bucket.to_vec())
            .or_insert_with(|| etcdsnap_bbolt::rewrite::BucketEdit {
                clear: false,
                puts: Default::default(),
            })
            .puts
            .insert(key.to_vec(), value.map(<[u8]>::to_vec));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    let opts = etcdsnap_bbolt::writer::WriteOptions {
        page_size: src.page_size(),
        ..Default::default()
    };
    etcdsnap_bbolt::rewrite::rewrite(&src, &mut out, opts, &all).unwrap();
    std::fs::write(to, out.into_inner()).unwrap();
}

/// The directory of a real etcd release's binaries (`etcd`, `etcdctl`,
/// `etcdutl`), found through `$env_var` (its `etcd`) or at
/// `/opt/etcdsnap-oracles/etcd-VERSION/etcd`, as [`oracle`] finds it.
pub fn etcd_release(env_var: &str, version: &str) -> Option<PathBuf> {
    let etcd = oracle(
        env_var,
        &format!("/opt/etcdsnap-oracles/etcd-{version}/etcd"),
    )?;
    etcd.parent().map(Path::to_path_buf)
}

/// A small etcd-shaped db: a `key` bucket with one put per (key, lease)
/// at revisions 2, 3, ...
pub fn tiny_db(path: &Path, puts: &[(&[u8], &[u8], i64)]) {
    use etcdsnap_bbolt::writer::{WriteOptions, Writer};
    let f = std::fs::File::create(path).unwrap();
    let mut w = Writer::new(f, WriteOptions::default()).unwrap();
    w.begin_bucket(b"key", 0).unwrap();
    for (i, (k, v, lease)) in puts.iter().enumerate() {
        let rev = i as i64 + 2;
        let kv = etcdsnap_schema::proto::KeyValue {
            key: k.to_vec(),
            create_revision: rev,
            mod_revision: rev,
            version: 1,
            value: v.to_vec(),
            lease: *lease,
        };
        w.put(
            &etcdsnap_schema::Revision { main: rev, sub: 0 }.to_key(false),
            &prost::Message::encode_to_vec(&kv),
        )
        .unwrap();
    }
    w.end_bucket().unwrap();
    w.finish().unwrap();
}
