//! What etcd 3.6 and 3.7 require of a db beyond what every release does,
//! read from their source (no 3.6 or 3.7 binary runs here).
//!
//! etcd 3.6 added one key to the backend and stopped reading membership
//! from the v2 store:
//!
//! - `meta/storageVersion`, `X.Y.0` (v3.6.14
//!   `server/storage/schema/bucket.go:85`, written by
//!   `UnsafeSetStorageVersion`, `server/storage/schema/version.go:59-62`,
//!   as the last step of each migration, `migration.go:94-104`). The only
//!   schema change between 3.5 and 3.6 (`schema.go:130-134`: `addNewField(Meta,
//!   storageVersion)`); 3.7 adds none (v3.7.1 `schema.go`: `V3_7: {}`), only
//!   the version moves to `3.7.0`. A member writes it once the cluster
//!   version has reached its minor, so a 3.6 member in a cluster still at
//!   3.5 has none; without it, etcd infers 3.5 from a non-zero `meta/term`
//!   and otherwise cannot tell (`schema.go:92-108`, "missing term
//!   information"). A storage version newer than the binary stops it:
//!   no migration plan leads down from a minor it does not know
//!   (`schema.go:35-44`, `110-125`).
//! - Membership (`members`, `members_removed`) and the cluster version and
//!   downgrade state (`cluster`) are read from the backend alone
//!   (`server/etcdserver/api/membership/cluster.go:259-271`): member ids
//!   must parse as hex (`membership.go:193-199` panics otherwise), the
//!   cluster version as a semantic version (`membership.go:201-219`,
//!   `semver.Must`), an enabled downgrade's target too (`:221-254`), and a
//!   cluster version above the binary's minor stops it
//!   (`server/etcdserver/version/downgrade.go:42-55`).
//!
//! Buckets are the same ten as 3.5's (`bucket.go:58`, `AllBuckets`), and
//! `authRevision`, `term`, `confState`, the compaction keys keep their
//! 3.5 form.

use etcdsnap_bbolt::check::show_key as show;
use etcdsnap_bbolt::Db;
use etcdsnap_schema::{names, EtcdVersion};
use serde::Serialize;

use crate::semantic::{Problem, Report};
use crate::Error;

/// The release-specific part of a verify.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReleaseCheck {
    /// The release whose rules were checked.
    pub etcd_version: String,
    /// `meta/storageVersion`, as stored.
    pub storage_version: Option<String>,
    /// The storage version a settled member of that release keeps.
    pub expected_storage_version: Option<String>,
    /// What is not wrong but differs from what that release writes, and
    /// what it then does.
    pub notes: Vec<Problem>,
}

/// A semantic version as Go's `semver.NewVersion` reads etcd's:
/// `major.minor.patch`, numbers without leading zeros, with an optional
/// pre-release or build suffix.
fn semver(s: &str) -> Option<(u64, u64, u64)> {
    let core = s.split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let mut num = || -> Option<u64> {
        let p = parts.next()?;
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return None;
        }
        p.parse().ok()
    };
    let v = (num()?, num()?, num()?);
    parts.next().is_none().then_some(v)
}

/// Checks `db` against what etcd `version` (3.6 or later) requires and
/// writes, adding problems (what stops that release, or what it never
/// writes) to `report`; None for releases before 3.6, whose rules the
/// general checks already are.
pub fn check(
    db: &Db<'_>,
    version: EtcdVersion,
    report: &mut Report,
) -> Result<Option<ReleaseCheck>, Error> {
    let Some(expected) = version.storage_version() else {
        return Ok(None);
    };
    let minor = u64::from(version.minor());
    let mut notes = Vec::new();
    let mut note = |area: &str, m: String| {
        notes.push(Problem {
            area: area.into(),
            message: m,
        })
    };
    let root = db.root_bucket();
    let meta = root.sub_bucket(db, names::META)?;
    let get =
        |b: &Option<etcdsnap_bbolt::Bucket<'_>>, k: &[u8]| -> Result<Option<Vec<u8>>, Error> {
            match b {
                Some(b) => Ok(b.get(db, k)?.map(|e| e.value.to_vec())),
                None => Ok(None),
            }
        };
    let stored = get(&meta, names::STORAGE_VERSION)?;
    let storage_version = stored
        .as_ref()
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let term = get(&meta, names::TERM)?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(u64::from_be_bytes);
    let v = format!("etcd {version}");
    match storage_version.as_deref() {
        None | Some("") if term.unwrap_or(0) == 0 => note(
            "meta",
            format!(
                "no storageVersion and no term: {v} cannot tell the storage schema \
                 (\"missing term information\"), starts without migrating it, and writes \
                 storageVersion {expected} only after a WAL snapshot has stored the term"
            ),
        ),
        None => note(
            "meta",
            format!(
                "no storageVersion: {v} reads the db as 3.5's schema (it has a term) and writes \
                 storageVersion {expected} once the cluster version is 3.{minor}"
            ),
        ),
        Some("") => report.push(
            "meta",
            format!(
                "storageVersion is empty: {v} writes it only as a version ({expected}); \
                 an empty one is the placeholder of an interrupted migration and reads as none"
            ),
        ),
        Some(s) => match semver(s) {
            None => report.push(
                "meta",
                format!(
                    "storageVersion {s:?} is not a version: {v} writes {expected} and reads this \
                     one as absent"
                ),
            ),
            Some((major, _, _)) if major != 3 => report.push(
                "meta",
                format!(
                    "storageVersion {s} is of another major release: {v} does not start on it \
                     (\"changing major storage version is not supported\")"
                ),
            ),
            Some((_, m, _)) if m > minor => report.push(
                "meta",
                format!(
                    "storageVersion {s} is newer than {v}: it has no migration down from 3.{m} \
                     and does not start on this db (downgrade with the newer release first)"
                ),
            ),
            Some((_, m, _)) if m < 6 => report.push(
                "meta",
                format!(
                    "storageVersion {s}: no etcd writes one below 3.6.0 (a downgrade to 3.5 \
                     deletes the key); {v} expects {expected}"
                ),
            ),
            Some((_, m, p)) => {
                if m < minor {
                    note(
                        "meta",
                        format!(
                            "storageVersion {s}: {v} migrates it to {expected} once the cluster \
                             version is 3.{minor}"
                        ),
                    );
                }
                if p != 0 || s != format!("3.{m}.0") {
                    note(
                        "meta",
                        format!(
                            "storageVersion {s}: etcd writes only major.minor.0 ({expected}); \
                             {v} reads it by its minor"
                        ),
                    );
                }
            }
        },
    }

    // Membership, from the backend alone.
    let members = root.sub_bucket(db, names::MEMBERS)?;
    let member_count = match &members {
        Some(b) => {
            let mut n = 0usize;
            for e in b.iter(db) {
                e?;
                n += 1;
            }
            n
        }
        None => 0,
    };
    if member_count == 0 {
        note(
            "members",
            format!(
                "no members: {v} reads membership from this bucket alone (not from the v2 store \
                 in the .snap), so a member started on this db as it is knows no members; \
                 `snapshot restore` writes them"
            ),
        );
    }
    if let Some(b) = root.sub_bucket(db, names::MEMBERS_REMOVED)? {
        for e in b.iter(db) {
            let e = e?;
            let id = std::str::from_utf8(e.key)
                .ok()
                .filter(|s| !s.is_empty() && s.len() <= 16)
                .and_then(|s| u64::from_str_radix(s, 16).ok());
            if id.is_none() {
                report.push(
                    "members_removed",
                    format!(
                        "key {} is not a hex member id: {v} stops reading membership on it",
                        show(e.key)
                    ),
                );
            }
        }
    }
    let cluster = root.sub_bucket(db, names::CLUSTER)?;
    if let Some(cv) = get(&cluster, names::CLUSTER_VERSION)? {
        let s = String::from_utf8_lossy(&cv).into_owned();
        match semver(&s) {
            None => report.push(
                "cluster",
                format!("clusterVersion {s:?} is not a version: {v} stops on it (semver.Must)"),
            ),
            Some((major, m, _)) if major == 3 && m > minor => report.push(
                "cluster",
                format!(
                    "clusterVersion {s} is newer than {v}: it stops (\"invalid downgrade; server \
                     version is lower than determined cluster version\")"
                ),
            ),
            Some(_) => {}
        }
    }
    if let Some(d) = get(&cluster, names::CLUSTER_DOWNGRADE)? {
        match serde_json::from_slice::<serde_json::Value>(&d) {
            Err(e) => report.push(
                "cluster",
                format!("downgrade is not JSON ({e}): {v} stops on it"),
            ),
            Ok(j) => {
                let enabled = j.get("enabled").and_then(serde_json::Value::as_bool) == Some(true);
                let target = j
                    .get("target-version")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                if enabled && semver(target).is_none() {
                    report.push(
                        "cluster",
                        format!(
                            "downgrade is enabled with target {target:?}, not a version: {v} stops on it"
                        ),
                    );
                }
            }
        }
    }
    Ok(Some(ReleaseCheck {
        etcd_version: version.to_string(),
        storage_version,
        expected_storage_version: Some(expected),
        notes,
    }))
}

#[cfg(test)]
mod tests {
    use super::semver;

    #[test]
    fn versions_read_as_go_semver_reads_them() {
        assert_eq!(semver("3.6.0"), Some((3, 6, 0)));
        assert_eq!(semver("3.7.1-rc.0"), Some((3, 7, 1)));
        assert_eq!(semver("3.6"), None);
        assert_eq!(semver("03.6.0"), None);
        assert_eq!(semver("3.6.0.1"), None);
        assert_eq!(semver(""), None);
    }
}
