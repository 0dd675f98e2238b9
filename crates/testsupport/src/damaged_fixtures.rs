//! Every damaged variant of every committed fixture: the bbolt generator's
//! variants of the Go-bbolt files, and the etcd generator's (which include
//! the bbolt ones) of the etcd snapshots and the member's db. Go bbolt's
//! `tx.Check()` output on each is recorded by
//! `testdata/scripts/record-damaged-bboltcheck.sh`, for Go bbolt 1.3.6 in
//! `testdata/expected/damaged.bboltcheck.tsv` and for 1.4.3 in
//! `damaged.bboltcheck14.tsv`, keyed by fixture and variant name;
//! [`Recorded`] reads them back.
//!
//! `big-freelist.db.gz` (297 MB unpacked) is left out: each variant is a
//! full copy of its fixture.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::etcd_damage::Diagnosis;

/// One damaged copy of a fixture.
#[derive(Debug, Clone)]
pub struct Damaged {
    /// The fixture's name, as in `testdata/expected/` (`nested-4096.db`,
    /// `etcd-3.5.1-member.db`).
    pub fixture: String,
    /// True for the etcd fixtures (snapshots and the member's db).
    pub etcd: bool,
    /// Name of the defect.
    pub name: &'static str,
    /// The damaged file.
    pub bytes: Vec<u8>,
    /// What the tools must find.
    pub diagnosis: Diagnosis,
}

impl Damaged {
    /// `fixture/variant`, the key of the recording.
    pub fn key(&self) -> String {
        format!("{}/{}", self.fixture, self.name)
    }

    /// The first 16 hex digits of the file's SHA-256, as recorded.
    pub fn sha256_prefix(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&self.bytes).get(..8).unwrap_or_default())
    }
}

/// The repository's `testdata/`.
pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The member fixture's `member/snap/db`, read from its tarball.
pub fn member_db(testdata: &Path) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(testdata.join("etcd/etcd-3.5.1-member.tar.gz"))?;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    for e in ar.entries()? {
        let mut e = e?;
        if e.path()?.as_ref() == Path::new("member/snap/db") {
            let mut v = Vec::new();
            e.read_to_end(&mut v)?;
            return Ok(v);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "member/snap/db not in the member tarball",
    ))
}

/// The undamaged fixtures: (name, bytes, is an etcd database), Go-bbolt
/// files first, in name order.
pub fn fixtures(testdata: &Path) -> std::io::Result<Vec<(String, Vec<u8>, bool)>> {
    let mut out = Vec::new();
    for (dir, etcd) in [("bolt", false), ("etcd", true)] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(testdata.join(dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "db"))
            .collect();
        paths.sort();
        for p in paths {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, std::fs::read(&p)?, etcd));
        }
    }
    out.push(("etcd-3.5.1-member.db".into(), member_db(testdata)?, true));
    Ok(out)
}

/// Every damaged variant of every fixture, in fixture then generator order.
pub fn all(testdata: &Path) -> std::io::Result<Vec<Damaged>> {
    let mut out = Vec::new();
    for (fixture, bytes, etcd) in fixtures(testdata)? {
        if etcd {
            for v in crate::etcd_damage::variants(&bytes) {
                out.push(Damaged {
                    fixture: fixture.clone(),
                    etcd,
                    name: v.name,
                    bytes: v.bytes,
                    diagnosis: v.diagnosis,
                });
            }
        } else {
            for v in crate::bbolt_damage::variants(&bytes) {
                out.push(Damaged {
                    fixture: fixture.clone(),
                    etcd,
                    name: v.name,
                    bytes: v.bytes,
                    diagnosis: Diagnosis::Structure {
                        kind: v.expect,
                        page: v.page,
                        offset: v.offset,
                    },
                });
            }
        }
    }
    Ok(out)
}

/// What Go's checker did with a file (bboltcheck's exit status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Status 0: no error.
    Clean,
    /// Status 1: errors reported.
    Errors,
    /// Status 2: `bolt.Open` failed.
    OpenFailed,
    /// Status 3: the check panicked or crashed.
    Panic,
    /// Status 4 (or killed by the recording's outer timeout): it did not finish.
    Hang,
}

impl Outcome {
    /// From bboltcheck's exit status (124/137: killed by `timeout`).
    pub fn from_status(status: i32) -> Option<Outcome> {
        Some(match status {
            0 => Outcome::Clean,
            1 => Outcome::Errors,
            2 => Outcome::OpenFailed,
            3 => Outcome::Panic,
            4 | 124 | 137 => Outcome::Hang,
            _ => return None,
        })
    }

    /// The word the recording uses.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::Errors => "errors",
            Outcome::OpenFailed => "open-failed",
            Outcome::Panic => "panic",
            Outcome::Hang => "hang",
        }
    }

    fn from_word(w: &str) -> Option<Outcome> {
        [
            Outcome::Clean,
            Outcome::Errors,
            Outcome::OpenFailed,
            Outcome::Panic,
            Outcome::Hang,
        ]
        .into_iter()
        .find(|o| o.word() == w)
    }
}

/// One recorded run of Go's checker on a damaged variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Fixture name.
    pub fixture: String,
    /// Variant name.
    pub variant: String,
    /// The first 16 hex digits of the variant file's SHA-256.
    pub sha256: String,
    /// bboltcheck's exit status.
    pub status: i32,
    /// What it means.
    pub outcome: Outcome,
    /// `tx.Check()`'s errors, one per line, in the order sent (the
    /// `open:`, `panic:` or `timeout:` line last, addresses normalised by
    /// [`normalise`]).
    pub lines: Vec<String>,
}

impl Recorded {
    /// `fixture/variant`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.fixture, self.variant)
    }

    /// The errors `tx.Check()` sent (not the `open:`, `panic:`,
    /// `timeout:` or `view:` lines bboltcheck adds, nor the `... N more
    /// lines` of a cut recording), then the error a NoFreelistSync file's
    /// `freepages` panicked on, which `tx.Check()` had found too.
    pub fn check_errors(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .lines
            .iter()
            .map(String::as_str)
            .filter(|l| is_check_error(l))
            .collect();
        out.extend(self.lines.iter().filter_map(|l| freepages_error(l)));
        out
    }

    /// Parses the TSV recording (`#` lines are comments).
    pub fn parse_tsv(text: &str) -> Result<Vec<Recorded>, String> {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(fixture), Some(variant), Some(sha256), Some(status), Some(outcome)) = (
                cols.next(),
                cols.next(),
                cols.next(),
                cols.next(),
                cols.next(),
            ) else {
                return Err(format!("line {}: fewer than 5 columns", i + 1));
            };
            let status: i32 = status
                .parse()
                .map_err(|e| format!("line {}: status {status:?}: {e}", i + 1))?;
            let outcome = Outcome::from_word(outcome)
                .ok_or_else(|| format!("line {}: outcome {outcome:?}", i + 1))?;
            if Outcome::from_status(status) != Some(outcome) {
                return Err(format!(
                    "line {}: status {status} is not {}",
                    i + 1,
                    outcome.word()
                ));
            }
            out.push(Recorded {
                fixture: fixture.to_string(),
                variant: variant.to_string(),
                sha256: sha256.to_string(),
                status,
                outcome,
                lines: cols.map(str::to_string).collect(),
            });
        }
        Ok(out)
    }
}

/// True for a line of bboltcheck's stdout that is an error `tx.Check()`
/// sent, false for the lines bboltcheck adds (`open:`, `panic:`,
/// `timeout:`, `view:`) and a cut recording's `... N more lines`.
pub fn is_check_error(line: &str) -> bool {
    !line.is_empty()
        && !["open: ", "panic: ", "timeout: ", "view: ", "... "]
            .iter()
            .any(|p| line.starts_with(p))
}

/// The `tx.Check()` error inside bboltcheck's line for a panic of bbolt's
/// `freepages` (NoFreelistSync files: it runs the check itself and panics
/// on its first error): `panic: freepages: failed to get all reachable
/// pages (ERROR)`.
pub fn freepages_error(line: &str) -> Option<&str> {
    line.strip_prefix("panic: freepages: failed to get all reachable pages (")?
        .strip_suffix(')')
}

/// bboltcheck's stdout made comparable between runs: fault addresses
/// (`0x7f3a...`) and goroutine ids vary, so hex numbers of six digits or
/// more become `0x?`.
pub fn normalise(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0' && b.get(i + 1) == Some(&b'x') {
            let digits = b[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if digits >= 6 {
                out.push_str("0x?");
                i += 2 + digits;
                continue;
            }
        }
        let ch = line[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_hides_addresses_only() {
        assert_eq!(
            normalise("panic: unexpected fault address 0x7f3a00123456"),
            "panic: unexpected fault address 0x?"
        );
        assert_eq!(normalise("page 0x12: x"), "page 0x12: x");
        assert_eq!(normalise("ключ 0xabcdef1"), "ключ 0x?");
    }

    #[test]
    fn a_recording_row_round_trips() {
        let r = Recorded::parse_tsv("# header\nf.db\tv\t0123\t1\terrors\tpage 3: a\tpage 4: b\n")
            .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].key(), "f.db/v");
        assert_eq!(r[0].check_errors(), vec!["page 3: a", "page 4: b"]);
        assert!(Recorded::parse_tsv("f.db\tv\t0123\t3\terrors\n").is_err());
    }

    #[test]
    fn check_errors_are_go_errors_and_the_error_freepages_panicked_on() {
        let r = Recorded::parse_tsv(
            "f.db\tv\t0123\t3\tpanic\tkey[1]=(hex)00 on leaf page(4) needs to be > (found =) \
             than previous element (hex)00. Stack: [5 4]\tunexpected page type (flags: 10) for pgId:4\
             \tpanic: freepages: failed to get all reachable pages (page 5: multiple references \
             (stack: [5 4]))\n",
        )
        .unwrap();
        let e = r[0].check_errors();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("key[1]="));
        assert_eq!(e[1], "unexpected page type (flags: 10) for pgId:4");
        assert_eq!(e[2], "page 5: multiple references (stack: [5 4])");
        assert!(!is_check_error("... 12 more lines"));
        assert!(!is_check_error("timeout: check did not finish within 5s"));
    }
}
