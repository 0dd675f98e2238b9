//! `etcdsnap check` against Go bbolt's `tx.Check()` on damaged files, of
//! bbolt 1.3.6 and of 1.4.3.
//!
//! `testdata/expected/damaged.bboltcheck.tsv` (1.3.6) and
//! `damaged.bboltcheck14.tsv` (1.4.3) hold what Go's checker
//! (`testdata/go/bboltcheck`, built against each) did on every damaged
//! variant of every fixture (`etcdsnap_testsupport::damaged_fixtures::all`),
//! recorded by `testdata/scripts/record-damaged-bboltcheck.sh`: its errors,
//! or that it could not open the file, panicked, or did not finish. These
//! tests assert, for each Go bbolt and per variant, that
//!
//! - the recording covers exactly the variants the generators make;
//! - Go's outcome per defect is the one `docs/checker.md` states (a
//!   change in Go's behaviour, or in a generator, shows here);
//! - every error Go reports, `etcdsnap check` reports too, by Go's exact
//!   message or by the documented correspondence (Go names a page by the
//!   id in its header, and walks a cycle or an overflow range again; 1.4.3
//!   adds the page stack to its messages and checks key order);
//! - on every variant, Go panicking, hanging or failing to open included,
//!   `etcdsnap check` ends, exits 1 and gives the variant's problem kind,
//!   page and offset (0 on the semantic and trailer variants, whose page
//!   structure is sound);
//! - and, when the oracles are installed, each Go run again now on the
//!   same variants gives what was recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use etcdsnap_bbolt::{Db, PageId};
use etcdsnap_testsupport::damaged_fixtures::{self, normalise, Damaged, Outcome, Recorded};
use etcdsnap_testsupport::etcd_damage::Diagnosis;

/// One Go bbolt whose checker was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Go {
    version: &'static str,
    /// The recording under `testdata/expected/`.
    tsv: &'static str,
    /// The oracle's variable and default path.
    env: &'static str,
    path: &'static str,
    /// Its address-space cap (`BBOLTCHECK_MEM_MB`) in live runs, as the
    /// recording script gives it: Go 1.27's runtime reserves about 500 MiB
    /// more than Go 1.19's, so 1.4.3 gets 512 MiB more for the same headroom.
    mem_mb: &'static str,
}

const GO13: Go = Go {
    version: "1.3.6",
    tsv: "damaged.bboltcheck.tsv",
    env: "ETCDSNAP_BBOLTCHECK",
    path: "/opt/etcdsnap-oracles/bin/bboltcheck",
    mem_mb: "1024",
};

const GO14: Go = Go {
    version: "1.4.3",
    tsv: "damaged.bboltcheck14.tsv",
    env: "ETCDSNAP_BBOLTCHECK14",
    path: "/opt/etcdsnap-oracles/bin/bboltcheck14",
    mem_mb: "1536",
};

const BOTH: [Go; 2] = [GO13, GO14];

fn recording(go: Go) -> Vec<Recorded> {
    let text = expected(go.tsv).unwrap_or_else(|| {
        panic!(
            "testdata/expected/{} (record-damaged-bboltcheck.sh)",
            go.tsv
        )
    });
    Recorded::parse_tsv(&text).unwrap()
}

fn variants() -> Vec<Damaged> {
    damaged_fixtures::all(&testdata()).unwrap()
}

/// One Go's recording and the variants, paired by fixture and name.
fn paired(go: Go) -> Vec<(Damaged, Recorded)> {
    let mut rec: BTreeMap<String, Recorded> =
        recording(go).into_iter().map(|r| (r.key(), r)).collect();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for v in variants() {
        match rec.remove(&v.key()) {
            Some(r) if r.sha256 == v.sha256_prefix() => out.push((v, r)),
            Some(_) => missing.push(format!("{} (its bytes changed)", v.key())),
            None => missing.push(v.key()),
        }
    }
    let stale: Vec<_> = rec.keys().collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{} recording out of date (run testdata/scripts/record-damaged-bboltcheck.sh): \
         not recorded {missing:?}, no longer made {stale:?}",
        go.tsv
    );
    out
}

#[test]
fn the_recordings_cover_every_variant_of_every_fixture() {
    for go in BOTH {
        let p = paired(go);
        assert!(p.len() >= 170, "{}: only {} variants", go.version, p.len());
        let fixtures: BTreeSet<&str> = p.iter().map(|(v, _)| v.fixture.as_str()).collect();
        assert_eq!(fixtures.len(), 11, "{fixtures:?}");
        // Not a recording of nothing: each Go found errors, panicked, hung
        // and failed to open on some of them.
        for o in [
            Outcome::Clean,
            Outcome::Errors,
            Outcome::OpenFailed,
            Outcome::Panic,
            Outcome::Hang,
        ] {
            let n = p.iter().filter(|(_, r)| r.outcome == o).count();
            assert!(n > 0, "{}: no variant recorded as {}", go.version, o.word());
        }
    }
}

/// What Go's checker does with each defect, over all fixtures: the table
/// of `docs/checker.md` ("Go's checker on damaged files, recorded and
/// compared").
fn go_outcomes(go: Go, defect: &str) -> &'static [Outcome] {
    use Outcome::*;
    match (go.version, defect) {
        // 1.4.3 checks key order: it reports the swapped keys, and the
        // garbage keys it reads past a page (NoFreelistSync files panic
        // in freepages on the same finding).
        ("1.4.3", "keys-out-of-order") => &[Errors, Panic],
        ("1.4.3", "element-offset-past-page") => &[Clean, Errors, Panic],
        _ => go_outcomes_136(defect),
    }
}

/// [`go_outcomes`] of Go bbolt 1.3.6, where 1.4.3 does the same.
fn go_outcomes_136(defect: &str) -> &'static [Outcome] {
    use Outcome::*;
    match defect {
        // bbolt silently uses the other meta page.
        "newer-meta-bad-checksum" => &[Clean],
        "both-metas-bad-checksum" | "truncated-inside-meta" => &[OpenFailed],
        // Reads past the mapping (fault) where the missing pages are used;
        // reads on when they were free ones.
        "truncated-at-half" | "truncated-before-last-page" => &[Clean, Panic],
        "zeroed-leaf-page"
        | "branch-child-beyond-end-of-file"
        | "count-larger-than-page"
        | "leaf-flagged-freelist"
        | "branch-page-bad-type" => &[Panic],
        // Go follows the cycle until it runs out of memory or time (or,
        // for NoFreelistSync files, panics in freepages first).
        "branch-cycle" => &[Panic, Hang],
        // Elements are not bounds-checked: garbage, or a fault.
        "element-offset-past-page" => &[Clean, Panic],
        // Go marks a million overflow ids as referenced; NoFreelistSync
        // files panic in freepages on the same finding.
        "overflow-past-end-of-file" | "page-shared-across-buckets" => &[Errors, Panic],
        "freelist-duplicate-id" | "freelist-id-beyond-high-water-mark" => &[Errors],
        // Not checked by Go 1.3.6.
        "keys-out-of-order" | "inline-bucket-garbage" => &[Clean],
        // etcd's semantics and the trailer: nothing for bbolt to see.
        "mvcc-value-garbage"
        | "revision-key-malformed"
        | "tombstone-marker-malformed"
        | "mod-revision-mismatch"
        | "lease-missing"
        | "trailer-mismatch" => &[Clean],
        other => panic!("no expected Go outcome for {other}: add it here and to docs/checker.md"),
    }
}

#[test]
fn go_outcome_per_defect_is_as_documented() {
    for (go, (v, r)) in BOTH
        .into_iter()
        .flat_map(|go| paired(go).into_iter().map(move |p| (go, p)))
    {
        let allowed = go_outcomes(go, v.name);
        assert!(
            allowed.contains(&r.outcome),
            "{}: Go {} recorded {} ({:?}), documented {:?}",
            v.key(),
            go.version,
            r.outcome.word(),
            r.lines.last(),
            allowed
        );
        // Each outcome is recorded with its evidence.
        let last = r.lines.last().map(String::as_str).unwrap_or("");
        match r.outcome {
            Outcome::Clean => assert!(r.lines.is_empty(), "{}: {:?}", v.key(), r.lines),
            Outcome::Errors => {
                assert!(!r.check_errors().is_empty(), "{}", v.key());
                assert_eq!(r.check_errors().len(), r.lines.len(), "{}", v.key());
            }
            Outcome::OpenFailed => assert!(last.starts_with("open: "), "{}: {last}", v.key()),
            Outcome::Panic => assert!(last.starts_with("panic: "), "{}: {last}", v.key()),
            Outcome::Hang => assert!(
                last.starts_with("timeout: ") || last.starts_with("... "),
                "{}: {last}",
                v.key()
            ),
        }
    }
}

/// `etcdsnap check -w json` on a file: exit code, problems, and the
/// number of whole pages in the file.
fn our_check(path: &Path) -> (Option<i32>, Vec<serde_json::Value>, Option<u64>) {
    let o = run_bounded(&["check", "-w", "json", path.to_str().unwrap()]);
    assert_no_crash(&o, &path.display().to_string());
    let r: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{}: check -w json: {e}", path.display()));
    (
        o.status.code(),
        r["problems"].as_array().unwrap().clone(),
        r["file_pages"].as_u64(),
    )
}

/// Pages reachable from `from` in `db` (branch children and overflow
/// pages), each once.
fn subtree(db: &Db<'_>, from: u64) -> BTreeSet<u64> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(p) = stack.pop() {
        if !seen.insert(p) || seen.len() > 100_000 {
            continue;
        }
        if let Ok(h) = db.header(PageId(p)) {
            seen.extend(p + 1..=p + u64::from(h.overflow).min(1 << 20));
        }
        if let Ok(n) = db.node(PageId(p)) {
            if !n.is_leaf {
                stack.extend((0..n.count).filter_map(|i| n.branch(i).ok().map(|b| b.child.0)));
            }
        }
    }
    seen
}

/// Go's error `line` without the page stack 1.4.3 appends (`page 5:
/// multiple references (stack: [5 4])`): the message 1.3.6 gives.
fn without_stack(line: &str) -> &str {
    match line.rfind(" (stack: [") {
        Some(i) if line.ends_with("])") => &line[..i],
        _ => line,
    }
}

/// The number after `prefix` in `s`, up to the first non-digit.
fn number_after(s: &str, prefix: &str) -> Option<u64> {
    let rest = &s[s.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Go 1.4.3's key-order error (`key[I]=(hex)K on leaf page(P) needs to
/// be ...`, `the first key[I]...`): whether it is about a branch, and the
/// page the offending element sits on. On a leaf that is P; on a branch Go
/// names the child the element points to, and the branch is the last page
/// of the stack.
fn key_order_error(line: &str) -> Option<(bool, u64)> {
    let stack = line
        .rsplit_once("tack: [")?
        .1
        .strip_suffix(']')?
        .split(' ')
        .map(str::parse)
        .collect::<Result<Vec<u64>, _>>()
        .ok()?;
    number_after(line, "key[")?;
    if let Some(p) = number_after(line, " on leaf page(") {
        return Some((false, p));
    }
    number_after(line, " on branch page(")?;
    Some((true, *stack.last()?))
}

/// How `etcdsnap check`'s problems account for Go's error `line`, if
/// they do. The correspondence (docs/checker.md):
///
/// - Go's exact message is a problem's `bbolt` field (1.4.3's without the
///   page stack it appends);
/// - `page X: multiple references` where X is a page, or one of its
///   overflow pages, that etcdsnap reports as referenced twice, as a
///   cycle, or as overflowing (Go marks every id of an overflow range as
///   referenced, so a range over other pages references them again);
/// - `page X: multiple references` where X lies under a page etcdsnap
///   reports as a cycle (Go walks the loop again and again);
/// - Go names a page by the id in its header: `page X: ...` about a page
///   P etcdsnap reports as `page_id_mismatch` whose header holds X, and
///   `page 0: ...` where etcdsnap reports zeros read as a page (a zeroed
///   page, or one missing past the end of a truncated file);
/// - 1.4.3's key-order errors about an element of page P: a `key_order`
///   problem on P, or, where Go compared garbage read past the page or
///   past the end of the file, the `element_out_of_bounds`,
///   `count_too_large`, `truncated` or `beyond_end_of_file` problem that
///   says so (on a branch, on any page under it: Go compares a branch key
///   with the largest key of the subtree before it);
/// - 1.4.3's `unexpected page type (flags: F) for pgId:P`: `invalid_type`
///   on P.
fn accounted(
    line: &str,
    ours: &[serde_json::Value],
    db: Option<&Db<'_>>,
    file_pages: Option<u64>,
) -> Option<String> {
    let kind = |p: &serde_json::Value| p["kind"].as_str().unwrap_or("").to_string();
    let page = |p: &serde_json::Value| p["page"].as_u64();
    // Zeros or garbage read past the end of a truncated file.
    let past_end = |x: u64| {
        if file_pages.is_none_or(|n| x < n) {
            return None;
        }
        ours.iter()
            .find(|p| matches!(kind(p).as_str(), "truncated" | "beyond_end_of_file"))
            .map(|p| format!("page {x} is past the end of the file ({})", kind(p)))
    };
    if let Some((branch, at)) = key_order_error(line) {
        let pages = if branch {
            db.map_or_else(|| BTreeSet::from([at]), |db| subtree(db, at))
        } else {
            BTreeSet::from([at])
        };
        if let Some(p) = ours.iter().find(|p| {
            matches!(
                kind(p).as_str(),
                "key_order" | "element_out_of_bounds" | "count_too_large"
            ) && page(p).is_some_and(|x| pages.contains(&x))
        }) {
            return Some(format!("{} at page {:?}", kind(p), page(p)));
        }
        return past_end(at);
    }
    if let Some(at) = number_after(line, "for pgId:") {
        if line.starts_with("unexpected page type (flags: ") {
            if ours
                .iter()
                .any(|p| kind(p) == "invalid_type" && page(p) == Some(at))
            {
                return Some(format!("invalid_type at page {at}"));
            }
            return past_end(at);
        }
    }
    let line = without_stack(line);
    if let Some(p) = ours.iter().find(|p| p["bbolt"].as_str() == Some(line)) {
        return Some(format!("exact ({})", p["kind"]));
    }
    let (x, cond) = line.strip_prefix("page ")?.split_once(": ")?;
    let x: u64 = x.parse().ok()?;
    if cond == "multiple references" {
        for p in ours {
            let (k, Some(at)) = (kind(p), page(p)) else {
                continue;
            };
            let overflow = db
                .and_then(|db| db.header(PageId(at)).ok())
                .map_or(0, |h| u64::from(h.overflow));
            if matches!(
                k.as_str(),
                "multiple_references"
                    | "cycle"
                    | "overflow_past_end_of_file"
                    | "overflow_out_of_bounds"
            ) && (at..=at.saturating_add(overflow)).contains(&x)
            {
                return Some(format!("{k} at page {at} (overflow {overflow})"));
            }
            if k == "cycle" && db.is_some_and(|db| subtree(db, at).contains(&x)) {
                return Some(format!("under the cycle at page {at}"));
            }
        }
    }
    for p in ours {
        let (k, Some(at)) = (kind(p), page(p)) else {
            continue;
        };
        let header = db.and_then(|db| db.header(PageId(at)).ok()).map(|h| h.id.0);
        if k == "page_id_mismatch" && header == Some(x) {
            return Some(format!("page {at}'s header names page {x}"));
        }
        if x == 0
            && matches!(
                k.as_str(),
                "page_id_mismatch" | "truncated" | "beyond_end_of_file"
            )
        {
            return Some(format!("zeros read as page 0 ({k} at page {at})"));
        }
    }
    None
}

#[test]
fn etcdsnap_reports_everything_go_reports_and_ends_where_go_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let recorded: Vec<BTreeMap<String, Recorded>> = BOTH
        .iter()
        .map(|go| paired(*go).into_iter().map(|(v, r)| (v.key(), r)).collect())
        .collect();
    let mut compared = [0; 2];
    let mut failures = Vec::new();
    for v in variants() {
        let path = dir.path().join(format!("{}-{}", v.fixture, v.name));
        std::fs::write(&path, &v.bytes).unwrap();
        let (code, ours, file_pages) = our_check(&path);
        let r13 = &recorded[0][&v.key()];
        // Our own diagnosis, whatever Go did: derived from the variant.
        match &v.diagnosis {
            Diagnosis::Structure { kind, page, offset } => {
                let kind = serde_json::to_value(kind).unwrap();
                assert_eq!(
                    code,
                    Some(1),
                    "{}: check exit (Go: {})",
                    v.key(),
                    r13.outcome.word()
                );
                assert!(
                    ours.iter().any(|p| p["kind"] == kind
                        && p["page"].as_u64() == *page
                        && p["offset"].as_u64() == *offset),
                    "{}: no {kind} at page {page:?} offset {offset:?} in {ours:#?}",
                    v.key()
                );
            }
            Diagnosis::Semantic(_) | Diagnosis::Trailer => {
                assert_eq!(code, Some(0), "{}: {ours:#?}", v.key());
                for (go, rec) in BOTH.iter().zip(&recorded) {
                    assert_eq!(
                        rec[&v.key()].outcome,
                        Outcome::Clean,
                        "{} {}",
                        go.version,
                        v.key()
                    );
                }
            }
        }
        // Everything each Go reported before it finished, failed or ran away.
        let db = Db::open(&v.bytes).ok();
        for (i, (go, rec)) in BOTH.iter().zip(&recorded).enumerate() {
            for line in rec[&v.key()].check_errors() {
                compared[i] += 1;
                if accounted(line, &ours, db.as_ref(), file_pages).is_none() {
                    failures.push(format!(
                        "{}: Go {}'s {line:?} not reported",
                        v.key(),
                        go.version
                    ));
                }
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        compared.iter().all(|n| *n >= 500),
        "only {compared:?} Go errors compared"
    );
}

/// A Go run: outcome and normalised stdout lines, kept as the recording
/// keeps them (more than 201 lines: the first 200, `... N more lines`, the
/// last).
fn run_go(go: &Path, mem_mb: &str, file: &Path) -> (Outcome, Vec<String>) {
    let mut child = Command::new(go)
        .arg(file)
        .env("BBOLTCHECK_TIMEOUT", "5")
        .env("BBOLTCHECK_MEM_MB", mem_mb)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let (mut more, mut last) = (0u64, None);
        for l in std::io::BufReader::new(out).split(b'\n') {
            let l = normalise(&String::from_utf8_lossy(&l.unwrap())).replace('\t', " ");
            if lines.len() < 200 {
                lines.push(l);
            } else {
                more += u64::from(last.is_some());
                last = Some(l);
            }
        }
        if more > 0 {
            lines.push(format!("... {more} more lines"));
        }
        lines.extend(last);
        lines
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let lines = reader.join().unwrap();
    let code = status.code().unwrap_or(137);
    let outcome = Outcome::from_status(code)
        .unwrap_or_else(|| panic!("{}: bboltcheck status {code}", file.display()));
    (outcome, lines)
}

/// Go's runs race: `tx.Check()` sends its errors from a goroutine of its
/// own, which a panic kills at any point, and for NoFreelistSync files
/// `freepages` panics from a third goroutine while the walk goes on; a
/// read past a page faults or finds garbage depending on where the
/// mapping lies. So where Go did not crash, neither when recorded nor now
/// (errors, open failures), the run is compared line for line with the
/// recording; where it crashed or ran away (then or now), by outcome (one
/// of those documented for the defect) and by its errors (all reported by
/// etcdsnap too).
#[test]
fn live_go_136_check_gives_what_was_recorded() {
    live_go_check_gives_what_was_recorded(GO13);
}

#[test]
fn live_go_143_check_gives_what_was_recorded() {
    live_go_check_gives_what_was_recorded(GO14);
}

fn live_go_check_gives_what_was_recorded(go: Go) {
    let Some(bin) = oracle(go.env, go.path) else {
        return;
    };
    let pairs = paired(go);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    let failures = std::sync::Mutex::new(Vec::new());
    let exact = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..2 {
            let (pairs, next, dir, failures, bin, exact) =
                (&pairs, &next, &dir, &failures, &bin, &exact);
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((v, r)) = pairs.get(i) else { break };
                let path = dir.path().join(format!("w{w}-{}", v.name));
                std::fs::write(&path, &v.bytes).unwrap();
                let (outcome, lines) = run_go(bin, go.mem_mb, &path);
                let mut why = Vec::new();
                let crashed = |o: Outcome| matches!(o, Outcome::Panic | Outcome::Hang);
                if matches!(r.outcome, Outcome::Errors | Outcome::OpenFailed) && !crashed(outcome) {
                    exact.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if outcome != r.outcome || lines != r.lines {
                        why.push("differs from the recording".to_string());
                    }
                } else if !go_outcomes(go, v.name).contains(&outcome) {
                    why.push(format!("outcome {} not documented", outcome.word()));
                }
                if !lines.is_empty() && crashed(outcome) {
                    let (_, ours, file_pages) = our_check(&path);
                    let db = Db::open(&v.bytes).ok();
                    let now = Recorded {
                        lines: lines.clone(),
                        ..r.clone()
                    };
                    for l in now.check_errors() {
                        if accounted(l, &ours, db.as_ref(), file_pages).is_none() {
                            why.push(format!("Go's {l:?} not reported by etcdsnap"));
                        }
                    }
                }
                std::fs::remove_file(&path).unwrap();
                if !why.is_empty() {
                    failures.lock().unwrap().push(format!(
                        "{} (Go {}): {}; recorded {} {:?}, now {} {:?}",
                        v.key(),
                        go.version,
                        why.join(", "),
                        r.outcome.word(),
                        r.lines.iter().take(4).collect::<Vec<_>>(),
                        outcome.word(),
                        lines.iter().take(4).collect::<Vec<_>>()
                    ));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        exact.into_inner() >= 20,
        "too few runs compared line for line"
    );
}

/// Branch pages reachable in `db`, through every bucket's tree, in page
/// order.
fn reachable_branches(db: &Db<'_>) -> Vec<u64> {
    let mut branches = BTreeSet::new();
    let mut buckets = vec![db.root_bucket()];
    while let Some(b) = buckets.pop() {
        if b.is_inline() || buckets.len() > 10_000 {
            continue;
        }
        for p in subtree(db, b.root_page().0) {
            if db.node(PageId(p)).is_ok_and(|n| !n.is_leaf) {
                branches.insert(p);
            }
        }
        for e in b.iter(db).filter_map(Result::ok).filter(|e| e.is_bucket()) {
            if let Ok(sub) = etcdsnap_bbolt::Bucket::from_value(db, PageId(0), e.value) {
                buckets.push(sub);
            }
        }
    }
    branches.into_iter().collect()
}

/// Key order across pages, which 1.4.3 checks and 1.3.6 does not, beyond
/// the damaged suite's swapped leaf keys: a branch key raised above its
/// child's first key (etcdsnap: `key_order` on the child's first element),
/// and one lowered to or below keys of the subtree before it. Every error
/// Go 1.4.3 gives on these edits, run live, `etcdsnap check` reports too.
#[test]
fn key_order_across_branch_keys_is_reported_where_go_143_reports_it() {
    let go = oracle(GO14.env, GO14.path);
    let dir = tempfile::tempdir().unwrap();
    let (mut raised, mut go_lines) = (0, 0);
    let mut failures = Vec::new();
    for name in [
        "bolt/keys-and-fill.db",
        "bolt/nested-4096.db",
        "bolt/pagesize-8192.db",
        "bolt/writeto.db",
        "etcd/etcd-3.5.1.snapshot.db",
    ] {
        let bytes = std::fs::read(testdata().join(name)).unwrap();
        let db = Db::open(&bytes).unwrap();
        let ps = db.page_size() as u64;
        for b in reachable_branches(&db).into_iter().take(3) {
            let node = db.node(PageId(b)).unwrap();
            for i in [1, node.count - 1] {
                let Ok(e) = node.branch(i) else { continue };
                let (Some(&first), Some(&last)) = (e.key.first(), e.key.last()) else {
                    continue;
                };
                let at = db.offset_of(e.key) as usize;
                let child_first = db.node(e.child).ok().and_then(|c| {
                    c.leaf(0)
                        .ok()
                        .map(|l| l.key)
                        .or(c.branch(0).ok().map(|b| b.key))
                });
                let edits = [
                    (
                        "raised",
                        last < 255,
                        at + e.key.len() - 1,
                        last.wrapping_add(1),
                    ),
                    ("lowered", first > 0, at, first.wrapping_sub(1)),
                ];
                for (how, possible, byte, to) in edits {
                    if !possible {
                        continue;
                    }
                    let mut v = bytes.clone();
                    v[byte] = to;
                    let what = format!("{name}: branch page {b} key {i} {how}");
                    let path = dir.path().join("v.db");
                    std::fs::write(&path, &v).unwrap();
                    let (code, ours, file_pages) = our_check(&path);
                    // Raised above a child's first key equal to it: the
                    // child's first element is out of range.
                    if how == "raised" && child_first == Some(e.key) {
                        raised += 1;
                        let off = e.child.0 * ps + 16;
                        if code != Some(1)
                            || !ours.iter().any(|p| {
                                p["kind"] == "key_order"
                                    && p["page"].as_u64() == Some(e.child.0)
                                    && p["offset"].as_u64() == Some(off)
                            })
                        {
                            failures.push(format!(
                                "{what}: no key_order at page {} offset {off}: {ours:?}",
                                e.child.0
                            ));
                        }
                    }
                    if let Some(bin) = &go {
                        let vdb = Db::open(&v).ok();
                        let (outcome, lines) = run_go(bin, GO14.mem_mb, &path);
                        let now = Recorded {
                            fixture: name.to_string(),
                            variant: what.clone(),
                            sha256: String::new(),
                            status: 0,
                            outcome,
                            lines,
                        };
                        for l in now.check_errors() {
                            go_lines += 1;
                            if accounted(l, &ours, vdb.as_ref(), file_pages).is_none() {
                                failures.push(format!("{what}: Go 1.4.3's {l:?} not reported"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(raised >= 10, "only {raised} raised branch keys checked");
    if go.is_some() {
        assert!(go_lines >= 100, "only {go_lines} Go errors compared");
    }
}
