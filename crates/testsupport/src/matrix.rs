//! The corruption matrix: every damaged variant of a real snapshot file and
//! of a real member's data dir, written out as files and data dirs, each
//! with the diagnosis the tools must give. The variants come from
//! [`etcdsnap_bbolt::damage`] (page format), [`etcdsnap_verify::damage`]
//! (etcd's semantics and the trailer) and [`etcdsnap_wal::damage`] (WAL
//! segments and `.snap` files). Used by the matrix test and
//! `cargo run --example corruption_matrix`; never by the tools.

use std::io;
use std::path::{Path, PathBuf};

use crate::etcd_damage::Diagnosis;

/// Which input a case damages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Case {
    /// A snapshot file (or a member's `db`) with damage in the database.
    Db {
        /// The diagnosis.
        diagnosis: Diagnosis,
    },
    /// A data dir whose last WAL segment is damaged.
    Wal {
        /// The segment's file name.
        file: String,
        /// Offset of the record where reading stops.
        offset: u64,
        /// A torn last write (a warning, not damage).
        torn: bool,
        /// A phrase the report contains.
        message: &'static str,
    },
    /// A data dir whose newest `.snap` file is damaged.
    Snap {
        /// The `.snap` file's name.
        file: String,
        /// A phrase the report contains.
        message: &'static str,
    },
}

/// One damaged input, written out.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Name of the defect, prefixed with the input's kind (`file-`,
    /// `member-`).
    pub name: String,
    /// The damaged snapshot file, or the damaged data dir.
    pub path: PathBuf,
    /// True for a data dir.
    pub data_dir: bool,
    /// What must be found.
    pub case: Case,
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// The newest file of `dir` with extension `ext`.
fn newest(dir: &Path, ext: &str) -> io::Result<Option<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    Ok(v.pop())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Writes every variant of `snapshot` (a snapshot file) and of
/// `member_dir` (a stopped member's data dir) under `out`, and returns
/// them. Data-dir variants damage one of: the db, the last WAL segment,
/// the newest `.snap`.
pub fn build(snapshot: &Path, member_dir: &Path, out: &Path) -> io::Result<Vec<Entry>> {
    std::fs::create_dir_all(out)?;
    let mut entries = Vec::new();
    let snap_bytes = std::fs::read(snapshot)?;
    for v in crate::etcd_damage::variants(&snap_bytes) {
        let path = out.join(format!("file-{}.db", v.name));
        std::fs::write(&path, &v.bytes)?;
        entries.push(Entry {
            name: format!("file-{}", v.name),
            path,
            data_dir: false,
            case: Case::Db {
                diagnosis: v.diagnosis,
            },
        });
    }
    let member = member_dir.join("member");
    let mut dir_variant = |name: String, rel: &Path, bytes: &[u8], case: Case| {
        let dir = out.join(&name);
        copy_dir(member_dir, &dir)?;
        std::fs::write(dir.join(rel), bytes)?;
        entries.push(Entry {
            name,
            path: dir,
            data_dir: true,
            case,
        });
        Ok::<(), io::Error>(())
    };
    let db_bytes = std::fs::read(member.join("snap/db"))?;
    for v in crate::etcd_damage::variants(&db_bytes) {
        dir_variant(
            format!("member-{}", v.name),
            Path::new("member/snap/db"),
            &v.bytes,
            Case::Db {
                diagnosis: v.diagnosis,
            },
        )?;
    }
    if let Some(seg) = newest(&member.join("wal"), "wal")? {
        let name = file_name(&seg);
        let bytes = std::fs::read(&seg)?;
        for v in crate::wal_damage::wal_variants(&bytes) {
            dir_variant(
                format!("member-{}", v.name),
                &Path::new("member/wal").join(&name),
                &v.bytes,
                Case::Wal {
                    file: name.clone(),
                    offset: v.offset,
                    torn: v.torn,
                    message: v.message,
                },
            )?;
        }
    }
    if let Some(snap) = newest(&member.join("snap"), "snap")? {
        let name = file_name(&snap);
        let bytes = std::fs::read(&snap)?;
        for v in crate::wal_damage::snap_variants(&bytes) {
            dir_variant(
                format!("member-{}", v.name),
                &Path::new("member/snap").join(&name),
                &v.bytes,
                Case::Snap {
                    file: name.clone(),
                    message: v.message,
                },
            )?;
        }
    }
    Ok(entries)
}
