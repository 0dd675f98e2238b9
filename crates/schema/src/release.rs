//! The etcd releases whose answers differ, and which one to follow.
//!
//! etcd's tools changed what they compute from the same file between
//! releases. Every rule that differs is a method of [`EtcdVersion`] tied
//! to the releases it holds for; `docs/etcd-compat.md` tabulates them with
//! the source lines each comes from:
//!
//! | rule | holds for |
//! |---|---|
//! | `hashkv --rev C` at the compact revision refused | 3.4.0–3.4.26, 3.5.0–3.5.9 |
//! | HashKV skips a tombstone exactly at the compact revision | 3.4.34+, 3.5.16+, 3.6+ |
//! | the compactor keeps a tombstone at the compact revision | 3.4.34+, 3.5.16+, 3.6+ |
//! | `snapshot status` TotalKey counts live keys, prints a Version | 3.6+ |
//! | `-w table` drawn with box-drawing characters | 3.7+ (upstream builds) |
//! | a storage version in `meta`; membership only in the backend | 3.6+ |
//! | v2 WAL requests: only member attributes and cluster version, as v3 | 3.6 |
//! | v2 WAL requests stop etcd | 3.7+ |
//! | restore leaves out unset protobuf fields (explicit presence) | 3.7+ |
//!
//! With no release given, etcdsnap answers as the newest patch this build
//! knows of the minor that wrote the data ([`detect`]).

use std::fmt;

use etcdsnap_bbolt::Db;

use crate::{names, Error};

/// An etcd release, `3.minor.patch`: the rules in force at that patch.
///
/// Ordered by release, so a rule that arrived in a patch is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EtcdVersion {
    minor: u32,
    patch: u32,
}

/// The minors this build knows, each with the newest patch whose source
/// the rules were read from (upstream tags of etcd-io/etcd; 3.5 is pinned
/// to 3.5.30, the newest one the tests run).
const KNOWN: [(u32, u32); 4] = [(4, 45), (5, 30), (6, 14), (7, 1)];

/// How `-w table` output is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStyle {
    /// `+---+` rules and `|` bars (tablewriter 0.0.x: etcd 3.4 to 3.6).
    Ascii,
    /// Box-drawing characters `┌─┬┐` (tablewriter 1.x: etcd 3.7, and
    /// Debian's etcd 3.5.30 packages, built against it).
    Box,
}

/// A release that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not `X.Y` or `X.Y.Z`.
    #[error("`{0}` is not an etcd release: expected X.Y or X.Y.Z, e.g. 3.5 or 3.5.1")]
    Syntax(String),
    /// A minor this build has no rules for.
    #[error("etcd {0} is not a release etcdsnap knows: it knows {known}", known = known_list())]
    Unknown(String),
}

fn known_list() -> String {
    KNOWN
        .iter()
        .map(|(m, p)| format!("3.{m} (to 3.{m}.{p})"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl EtcdVersion {
    /// etcd 3.4.23, the 3.4 the tests run.
    pub const V3_4_23: EtcdVersion = EtcdVersion::new(4, 23);
    /// etcd 3.5.1, the first 3.5 the tests ran; its rules were the only
    /// ones before releases could be chosen.
    pub const V3_5_1: EtcdVersion = EtcdVersion::new(5, 1);
    /// etcd 3.5.16, the first 3.5 whose compactor keeps a tombstone at the
    /// compact revision.
    pub const V3_5_16: EtcdVersion = EtcdVersion::new(5, 16);
    /// The newest 3.5 this build knows (3.5.30).
    pub const V3_5: EtcdVersion = EtcdVersion::new(5, 30);
    /// The newest 3.6 this build knows (3.6.14).
    pub const V3_6: EtcdVersion = EtcdVersion::new(6, 14);
    /// The newest 3.7 this build knows (3.7.1).
    pub const V3_7: EtcdVersion = EtcdVersion::new(7, 1);

    const fn new(minor: u32, patch: u32) -> EtcdVersion {
        EtcdVersion { minor, patch }
    }

    /// The minor (`5` for 3.5.30).
    pub fn minor(self) -> u32 {
        self.minor
    }

    /// The patch (`30` for 3.5.30).
    pub fn patch(self) -> u32 {
        self.patch
    }

    /// The newest patch of `3.minor` this build knows, None for a minor
    /// it has no rules for.
    pub fn newest_of(minor: u32) -> Option<EtcdVersion> {
        KNOWN
            .iter()
            .find(|(m, _)| *m == minor)
            .map(|(m, p)| EtcdVersion::new(*m, *p))
    }

    /// Whether this patch is past the newest of its minor that this build
    /// read the source of (its rules are then assumed to be the newest's).
    pub fn newer_than_known(self) -> bool {
        Self::newest_of(self.minor).is_some_and(|n| self > n)
    }

    /// Parses `3.Y` (the newest patch of 3.Y this build knows) or `3.Y.Z`
    /// (the rules in force at that patch).
    pub fn parse(s: &str) -> Result<EtcdVersion, ParseError> {
        let syntax = || ParseError::Syntax(s.to_string());
        let num = |p: &str| -> Result<u32, ParseError> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            p.parse().map_err(|_| syntax())
        };
        let t = s.strip_prefix('v').unwrap_or(s);
        let parts: Vec<&str> = t.split('.').collect();
        let (major, minor, patch) = match parts[..] {
            [a, b] => (num(a)?, num(b)?, None),
            [a, b, c] => (num(a)?, num(b)?, Some(num(c)?)),
            _ => return Err(syntax()),
        };
        let newest = match Self::newest_of(minor) {
            Some(n) if major == 3 => n,
            _ => return Err(ParseError::Unknown(t.to_string())),
        };
        Ok(match patch {
            None => newest,
            Some(p) => EtcdVersion::new(minor, p),
        })
    }

    /// True from `3.4.p4` in 3.4 and `3.5.p5` in 3.5, and in every later
    /// minor: how a change backported to both lines is stated.
    fn since(self, p4: u32, p5: u32) -> bool {
        match self.minor {
            0..=3 => false,
            4 => self.patch >= p4,
            5 => self.patch >= p5,
            _ => true,
        }
    }

    /// Whether `hashkv` at exactly the compact revision is refused
    /// (`rev <= compactRev` in `HashByRev`) rather than hashed: etcd 3.4
    /// before 3.4.27 and 3.5 before 3.5.10 (etcd-io/etcd#14457, backported
    /// in #16047 and #16048).
    pub fn refuses_hash_at_compact_revision(self) -> bool {
        !self.since(27, 10)
    }

    /// Whether HashKV leaves out a tombstone whose main revision is the
    /// compact revision (`kr.main == compactRevision && isTombstone` in
    /// `kvHasher.WriteKeyValue`): etcd 3.4.34, 3.5.16 and 3.6 on.
    pub fn hash_skips_tombstone_at_compact_revision(self) -> bool {
        self.since(34, 16)
    }

    /// Whether a compaction at C keeps in the `key` bucket a tombstone
    /// whose main revision is C (earlier releases delete it): etcd 3.4.34,
    /// 3.5.16 and 3.6 on (etcd-io/etcd#18274 and its backports).
    pub fn compactor_keeps_tombstone_at_compact_revision(self) -> bool {
        self.since(34, 16)
    }

    /// Whether `snapshot status` counts only the keys live at the head and
    /// prints the storage version (etcdutl 3.6 on).
    pub fn status_counts_live_keys(self) -> bool {
        self.minor >= 6
    }

    /// The release whose `snapshot restore` layout is written: this one,
    /// but never below 3.5 (a 3.4 backup is restored for etcd 3.5, as
    /// etcdutl 3.5 restores it).
    pub fn restore_release(self) -> EtcdVersion {
        if self.minor < 5 {
            EtcdVersion::V3_5
        } else {
            self
        }
    }

    /// Whether this release writes raft and WAL messages with explicit
    /// field presence (protobuf-go), so a field it does not set is left
    /// out where gogoproto wrote a zero: etcd 3.7 on (go.etcd.io/raft/v3
    /// v3.7.0 `raftpb/raft.pb.go`, `protoc-gen-go`; v3.7.1
    /// `etcdutl/snapshot/v3_snapshot.go:548-590` sets no `ConfChange.Id`
    /// and no `ConfState.AutoLeave`).
    pub fn writes_explicit_presence(self) -> bool {
        self.minor >= 7
    }

    /// Whether a v2 request in the WAL is applied only as etcd 3.6
    /// converts it (`v2ToV3Request`, v3.6.14
    /// `server/etcdserver/apply_v2.go:29-66`): a PUT of a member's
    /// attributes or of the cluster version becomes the v3 request, and
    /// anything else stops etcd. Earlier releases apply reads and SYNC as
    /// no-ops.
    pub fn v2_requests_converted_to_v3(self) -> bool {
        self.minor >= 6
    }

    /// Whether the `v2` field of `InternalRaftRequest` is gone (etcd 3.7:
    /// `reserved 2` in v3.7.1 `api/etcdserverpb/raft_internal.proto:28`),
    /// so a v2 entry stops etcd.
    pub fn v2_requests_removed(self) -> bool {
        self.minor >= 7
    }

    /// The storage version a member of this release keeps in
    /// `meta/storageVersion` (`X.Y.0`; etcd 3.6 on, v3.6.14
    /// `server/storage/schema/version.go:59-62`), None before 3.6.
    pub fn storage_version(self) -> Option<String> {
        (self.minor >= 6).then(|| format!("3.{}.0", self.minor))
    }

    /// Whether this release reads membership (members, removed members,
    /// cluster version) from the v3 backend alone, the v2 store holding
    /// none of it that it reads back: etcd 3.6 on (v3.6.14
    /// `server/etcdserver/api/membership/cluster.go:259-271`, `UnsafeLoad`).
    pub fn membership_in_backend_only(self) -> bool {
        self.minor >= 6
    }

    /// How upstream builds of this release draw `-w table`: tablewriter
    /// 0.0.x up to 3.6, 1.x from 3.7.0 (etcd-io/etcd commit 4312b2000).
    pub fn table_style(self) -> TableStyle {
        if self.minor >= 7 {
            TableStyle::Box
        } else {
            TableStyle::Ascii
        }
    }
}

impl Default for EtcdVersion {
    /// The newest 3.5: what a db that says nothing of its writer is read as.
    fn default() -> Self {
        EtcdVersion::V3_5
    }
}

impl fmt::Display for EtcdVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "3.{}.{}", self.minor, self.patch)
    }
}

impl std::str::FromStr for EtcdVersion {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EtcdVersion::parse(s)
    }
}

/// Where the release etcdsnap answers as came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Chosen with `--etcd-version`.
    Chosen,
    /// The db's `meta/storageVersion` (written by etcd 3.6 on).
    StorageVersion(String),
    /// The db's `cluster/clusterVersion`.
    ClusterVersion(String),
    /// Neither is in the db.
    Default,
}

/// The release to answer as, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The release whose rules are followed.
    pub version: EtcdVersion,
    /// Where it came from.
    pub origin: Origin,
    /// Said on stderr: the db's two versions disagree, or name a minor
    /// this build does not know.
    pub warnings: Vec<String>,
}

impl Default for Choice {
    /// The default release, for a db that names none.
    fn default() -> Self {
        Choice {
            version: EtcdVersion::default(),
            origin: Origin::Default,
            warnings: Vec::new(),
        }
    }
}

impl Choice {
    /// A release chosen by the user.
    pub fn chosen(version: EtcdVersion) -> Choice {
        Choice {
            version,
            origin: Origin::Chosen,
            warnings: Vec::new(),
        }
    }

    /// The note for stderr: which release's rules the answer follows.
    pub fn note(&self) -> String {
        let v = self.version;
        let why = match &self.origin {
            Origin::Chosen => "--etcd-version".to_string(),
            Origin::StorageVersion(s) => {
                format!(
                    "the newest 3.{} this build knows; storage version {s} in the db",
                    v.minor
                )
            }
            Origin::ClusterVersion(s) => {
                format!(
                    "the newest 3.{} this build knows; cluster version {s} in the db",
                    v.minor
                )
            }
            Origin::Default => format!(
                "the newest 3.{} this build knows; the db names no version",
                v.minor
            ),
        };
        let mut note = format!("answering as etcd {v} ({why})");
        if v.newer_than_known() {
            if let Some(n) = EtcdVersion::newest_of(v.minor) {
                note.push_str(&format!(
                    "; newer than {n}, the newest 3.{} whose rules this build knows: those assumed",
                    v.minor
                ));
            }
        }
        if self.origin != Origin::Chosen {
            note.push_str("; --etcd-version X.Y[.Z] chooses another");
        }
        note
    }
}

/// The minor named by a version string such as `3.5.0` (None when it is
/// not `3.Y.Z...`).
fn minor_of(s: &str) -> Option<u32> {
    let mut parts = s.split('.');
    if parts.next()? != "3" {
        return None;
    }
    parts.next()?.parse().ok()
}

/// The release a db was written by, as etcdsnap answers for it by
/// default: the newest known patch of the minor in `meta/storageVersion`
/// (etcd 3.6 on), else in `cluster/clusterVersion`, else of 3.5. When both
/// are present and disagree the storage version wins, with a warning; a
/// minor this build does not know is read as the nearest one it knows,
/// with a warning.
pub fn detect(db: &Db<'_>) -> Result<Choice, Error> {
    let read = |bucket: &[u8], key: &[u8]| -> Result<Option<String>, Error> {
        let Some(b) = db.root_bucket().sub_bucket(db, bucket)? else {
            return Ok(None);
        };
        Ok(b.get(db, key)?
            .map(|e| String::from_utf8_lossy(e.value).into_owned())
            .filter(|s| !s.is_empty()))
    };
    let storage = read(names::META, names::STORAGE_VERSION)?;
    let cluster = read(names::CLUSTER, names::CLUSTER_VERSION)?;
    let mut warnings = Vec::new();
    if let (Some(s), Some(c)) = (&storage, &cluster) {
        if minor_of(s) != minor_of(c) {
            warnings.push(format!(
                "the db's storage version {s} and cluster version {c} disagree: \
                 following the storage version"
            ));
        }
    }
    let (text, origin) = match (storage, cluster) {
        (Some(s), _) => (Some(s.clone()), Origin::StorageVersion(s)),
        (None, Some(c)) => (Some(c.clone()), Origin::ClusterVersion(c)),
        (None, None) => (None, Origin::Default),
    };
    let version = match text.as_deref() {
        None => EtcdVersion::default(),
        Some(t) => match minor_of(t).and_then(EtcdVersion::newest_of) {
            Some(v) => v,
            None => {
                // Nearest known: the newest for a later minor, the oldest
                // for an earlier one.
                let v = match minor_of(t) {
                    Some(m) if m > 7 => EtcdVersion::V3_7,
                    Some(_) => EtcdVersion::newest_of(4).unwrap_or_default(),
                    None => EtcdVersion::default(),
                };
                warnings.push(format!(
                    "the db names etcd version {t:?}, which this build has no rules for: \
                     answering as {v}"
                ));
                v
            }
        },
    };
    Ok(Choice {
        version,
        origin,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minors_mean_their_newest_known_patch() {
        for (s, want) in [
            ("3.4", "3.4.45"),
            ("3.5", "3.5.30"),
            ("3.6", "3.6.14"),
            ("3.7", "3.7.1"),
            ("3.5.1", "3.5.1"),
            ("v3.5.16", "3.5.16"),
            ("3.5.33", "3.5.33"),
        ] {
            assert_eq!(
                EtcdVersion::parse(s).map(|v| v.to_string()),
                Ok(want.into())
            );
        }
        for s in ["3.8", "3.3.1", "2.3", "4.0.0"] {
            assert!(
                matches!(EtcdVersion::parse(s), Err(ParseError::Unknown(_))),
                "{s}"
            );
        }
        for s in ["", "3", "3.5.", "3.5.x", "3.5.1.2", "3.5.1-rc.0", "+3.5"] {
            assert!(
                matches!(EtcdVersion::parse(s), Err(ParseError::Syntax(_))),
                "{s}"
            );
        }
        assert!(EtcdVersion::parse("3.5.33").is_ok_and(|v| v.newer_than_known()));
        assert!(!EtcdVersion::V3_5.newer_than_known());
    }

    #[test]
    fn each_rule_changes_at_the_patch_the_source_shows() {
        let v = |s: &str| EtcdVersion::parse(s).unwrap_or_default();
        let refuses = |s| v(s).refuses_hash_at_compact_revision();
        assert!(refuses("3.4.26") && !refuses("3.4.27"));
        assert!(refuses("3.5.9") && !refuses("3.5.10"));
        assert!(!refuses("3.6.0") && !refuses("3.7"));
        let skips = |s| v(s).hash_skips_tombstone_at_compact_revision();
        assert!(!skips("3.4.33") && skips("3.4.34"));
        assert!(!skips("3.5.15") && skips("3.5.16"));
        assert!(skips("3.6.0"));
        let keeps = |s| v(s).compactor_keeps_tombstone_at_compact_revision();
        assert!(!keeps("3.5.15") && keeps("3.5.16") && !keeps("3.4.33") && keeps("3.4.34"));
        assert!(!v("3.5").status_counts_live_keys() && v("3.6.0").status_counts_live_keys());
        assert_eq!(v("3.6").table_style(), TableStyle::Ascii);
        assert_eq!(v("3.5.30").table_style(), TableStyle::Ascii);
        assert_eq!(v("3.7.0").table_style(), TableStyle::Box);
        assert_eq!(v("3.4").restore_release(), EtcdVersion::V3_5);
        assert_eq!(v("3.5.1").restore_release(), EtcdVersion::V3_5_1);
        assert_eq!(v("3.6").restore_release(), EtcdVersion::V3_6);
        assert!(!v("3.6").writes_explicit_presence() && v("3.7.0").writes_explicit_presence());
        assert!(
            !v("3.5").v2_requests_converted_to_v3() && v("3.6.0").v2_requests_converted_to_v3()
        );
        assert!(!v("3.6").v2_requests_removed() && v("3.7").v2_requests_removed());
        assert_eq!(v("3.5").storage_version(), None);
        assert_eq!(v("3.6.0").storage_version().as_deref(), Some("3.6.0"));
        assert_eq!(v("3.7").storage_version().as_deref(), Some("3.7.0"));
        assert!(!v("3.5").membership_in_backend_only() && v("3.6").membership_in_backend_only());
    }

    #[test]
    fn minors_are_read_from_version_strings() {
        assert_eq!(minor_of("3.5.0"), Some(5));
        assert_eq!(minor_of("3.6.0"), Some(6));
        assert_eq!(minor_of("2.3.7"), None);
        assert_eq!(minor_of("garbage"), None);
    }
}
