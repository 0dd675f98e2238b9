//! Finding the real tools the tests compare against (the "oracles": Go
//! bbolt's checker, etcdutl 3.5.1, etcdctl 3.4.23, etcd 3.5.1), and what a
//! test does when one is missing.
//!
//! Missing oracles fail the test when they are required: under CI (`CI` is
//! `true` or `1`) or with `ETCDSNAP_REQUIRE_ORACLES=1`. Otherwise the part of
//! the test that needs the oracle is skipped, visibly: a line
//! `SKIPPED (oracle NAME missing): TEST` goes straight to the terminal's
//! stderr (not through the test harness's output capture, so `cargo test`
//! shows it without `--nocapture`), and is appended to
//! `<target dir>/etcdsnap-skipped-oracles.txt`, which `.ci/run` prints at
//! the end of a run.

use std::io::Write;
use std::path::PathBuf;

/// True when a missing oracle must fail the run.
pub fn required() -> bool {
    let set =
        |var: &str, values: &[&str]| std::env::var(var).is_ok_and(|v| values.contains(&v.as_str()));
    set("CI", &["true", "1"]) || set("ETCDSNAP_REQUIRE_ORACLES", &["1", "true"])
}

/// The summary file: `etcdsnap-skipped-oracles.txt` in the target dir
/// (found from the test binary's path, `<target>/<profile>/deps/<bin>`).
pub fn summary_file() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let target = exe.parent()?.parent()?.parent()?;
    Some(target.join("etcdsnap-skipped-oracles.txt"))
}

/// The running test's name (libtest names each test's thread after it).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string()
}

/// Reports a skipped check: the line on stderr (bypassing the harness's
/// capture) and in the summary file.
pub fn skipped(oracle: &str, what: &str) {
    let line = format!("SKIPPED (oracle {oracle} missing): {} {what}", test_name());
    let _ = writeln!(std::io::stderr().lock(), "{}", line.trim_end());
    if let Some(p) = summary_file() {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
        {
            let _ = writeln!(f, "{}", line.trim_end());
        }
    }
}

/// Finds an oracle binary: `$ENV_VAR` when set, else `default`. When it
/// is not there: panics if oracles are [`required`], else reports the skip
/// and returns `None`.
///
/// # Panics
///
/// When the oracle is missing and [`required`] is true.
#[allow(clippy::panic)]
pub fn find(env_var: &str, default: &str) -> Option<PathBuf> {
    let p = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    if p.is_file() {
        return Some(p);
    }
    if required() {
        panic!(
            "oracle {} missing (set {env_var}); with CI=true or ETCDSNAP_REQUIRE_ORACLES=1 \
             every oracle must be installed (testdata/scripts/install-oracles.sh)",
            p.display()
        );
    }
    skipped(&format!("{} ({env_var})", p.display()), "");
    None
}
