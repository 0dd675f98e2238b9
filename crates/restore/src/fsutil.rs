//! File system steps of an atomic restore: private directories and files,
//! a temporary directory beside the target that is removed unless it is
//! renamed into place, and fsync of everything written.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::Error;

/// Why `dir` cannot be made into a new data dir, or None when it does not
/// exist or is an empty directory (as etcd accepts it): what is in it, or
/// what it is.
pub fn why_not_free(dir: &Path) -> Option<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => {
            let mut names: Vec<String> = rd
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if names.is_empty() {
                return None;
            }
            names.sort();
            let n = names.len();
            names.truncate(5);
            let more = if n > 5 {
                format!(" and {} more", n - 5)
            } else {
                String::new()
            };
            Some(format!("is not empty: it holds {}{more}", names.join(", ")))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) if dir.is_file() => Some("is a file, not a directory".into()),
        Err(e) => Some(format!("cannot be read: {e}")),
    }
}

/// Creates `dir` and its missing parents with mode 0700.
pub fn create_private_dirs(dir: &Path) -> Result<(), Error> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(Error::io(dir))
}

/// Creates a new file with mode 0600.
pub fn create_private_file(path: &Path) -> Result<File, Error> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(Error::io(path))
}

/// Makes the new file `out` atomically: `fill` writes a hidden temporary
/// file beside it, which is renamed to `out` (and the directory fsynced)
/// only when `fill` succeeds, and removed otherwise. Refuses an `out` that
/// exists or whose directory does not, naming `out` (never the temporary).
pub fn place_new_file<T>(
    out: &Path,
    fill: impl FnOnce(&Path) -> Result<T, Error>,
) -> Result<T, Error> {
    if out.exists() {
        return Err(Error::Target(format!("{} exists", out.display())));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::Target(format!(
            "{}: the directory {} does not exist",
            out.display(),
            parent.display()
        )));
    }
    let name = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.etcdsnap-{}", std::process::id()));
    let result = fill(&tmp).and_then(|t| {
        std::fs::rename(&tmp, out).map_err(Error::io(out))?;
        Ok(t)
    });
    match result {
        Ok(t) => {
            sync_dir(&parent)?;
            Ok(t)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// fsyncs a directory so the names in it are durable.
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(Error::io(dir))
}

/// fsyncs every directory under `root` (files are synced as written).
pub fn sync_tree(root: &Path) -> Result<(), Error> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(Error::io(&d))? {
            let e = e.map_err(Error::io(&d))?;
            if e.file_type().map_err(Error::io(&d))?.is_dir() {
                stack.push(e.path());
            }
        }
        sync_dir(&d)?;
    }
    Ok(())
}

/// A hidden directory beside a target, removed on drop unless placed.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    placed: bool,
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(x) if !x.as_os_str().is_empty() => x.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl TempDir {
    /// Creates `.<name>.etcdsnap-<pid>` in the parent directory of `target`
    /// (creating that parent when missing), so the final rename stays on
    /// one file system.
    pub fn beside(target: &Path) -> Result<Self, Error> {
        let parent = parent_of(target);
        create_private_dirs(&parent)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "target".into());
        let path = parent.join(format!(".{name}.etcdsnap-{}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(Error::io(&path))?;
        }
        create_private_dirs(&path)?;
        Ok(TempDir {
            path,
            placed: false,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the directory to `target` (which must not exist or be an
    /// empty directory) and fsyncs the parent.
    pub fn place(mut self, target: &Path) -> Result<PathBuf, Error> {
        if target.is_dir() && why_not_free(target).is_none() {
            std::fs::remove_dir(target).map_err(Error::io(target))?;
        }
        std::fs::rename(&self.path, target).map_err(Error::io(target))?;
        self.placed = true;
        sync_dir(&parent_of(target))?;
        Ok(target.to_path_buf())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
