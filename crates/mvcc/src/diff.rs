//! Two databases' live keys compared: the keys one has and the other not,
//! and the keys both have with a different value, lease or mod revision.

use etcdsnap_schema::Kv;

/// How one key differs between `a` and `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a, 'b> {
    /// Only `b` has the key.
    Added(&'b Kv<'a>),
    /// Only `a` has the key.
    Removed(&'b Kv<'a>),
    /// Both have it, differently.
    Changed {
        /// The key in `a`.
        a: &'b Kv<'a>,
        /// The key in `b`.
        b: &'b Kv<'a>,
    },
}

impl Change<'_, '_> {
    /// `added`, `removed` or `changed`.
    pub fn op(&self) -> &'static str {
        match self {
            Change::Added(_) => "added",
            Change::Removed(_) => "removed",
            Change::Changed { .. } => "changed",
        }
    }

    /// The key.
    pub fn key(&self) -> &[u8] {
        match self {
            Change::Added(k) | Change::Removed(k) => k.key,
            Change::Changed { a, .. } => a.key,
        }
    }

    /// What differs in a changed key: `value`, `lease`, `version`,
    /// `create revision`, `mod revision`.
    pub fn what(&self) -> Vec<&'static str> {
        let Change::Changed { a, b } = self else {
            return Vec::new();
        };
        let mut w = Vec::new();
        if a.value != b.value {
            w.push("value");
        }
        if a.lease != b.lease {
            w.push("lease");
        }
        if a.version != b.version {
            w.push("version");
        }
        if a.create_revision != b.create_revision {
            w.push("create revision");
        }
        if a.mod_revision != b.mod_revision {
            w.push("mod revision");
        }
        w
    }
}

/// The changes from `a` to `b`, both sorted by key (as a range returns
/// them), in key order.
pub fn diff<'a, 'b>(a: &'b [Kv<'a>], b: &'b [Kv<'a>]) -> Vec<Change<'a, 'b>> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    loop {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.key == y.key => {
                if x.value != y.value || x.lease != y.lease || x.mod_revision != y.mod_revision {
                    out.push(Change::Changed { a: x, b: y });
                }
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.key < y.key => {
                out.push(Change::Removed(x));
                i += 1;
            }
            (Some(x), None) => {
                out.push(Change::Removed(x));
                i += 1;
            }
            (_, Some(y)) => {
                out.push(Change::Added(y));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &'static [u8], value: &'static [u8], rev: i64, lease: i64) -> Kv<'static> {
        Kv {
            key,
            value,
            mod_revision: rev,
            lease,
            ..Kv::default()
        }
    }

    #[test]
    fn added_removed_changed_in_key_order() {
        let a = [
            kv(b"a", b"1", 2, 0),
            kv(b"b", b"1", 3, 0),
            kv(b"d", b"x", 4, 7),
        ];
        let b = [
            kv(b"b", b"1", 3, 0),
            kv(b"c", b"1", 5, 0),
            kv(b"d", b"x", 4, 8),
        ];
        let d = diff(&a, &b);
        let ops: Vec<(&str, &[u8])> = d.iter().map(|c| (c.op(), c.key())).collect();
        assert_eq!(
            ops,
            vec![("removed", &b"a"[..]), ("added", b"c"), ("changed", b"d")]
        );
        assert_eq!(d[2].what(), vec!["lease"]);
        assert!(diff(&a, &a).is_empty());
    }
}
