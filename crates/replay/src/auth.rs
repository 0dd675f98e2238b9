//! The auth store in a replay: user and role changes, auth enable and
//! disable, applied as etcd 3.5's auth store applies them (each change
//! that succeeds bumps the auth revision; one that fails changes nothing),
//! and the permission checks etcd makes when it applies a key or lease
//! request while auth is enabled.

use etcdsnap_schema::names;
use std::collections::BTreeMap;

use base64::Engine;
use etcdsnap_bbolt::Db;
use etcdsnap_schema::proto::{Permission, Role, User, UserAddOptions};
use etcdsnap_wal::etcdserverpb::{
    AuthRoleAddRequest, AuthRoleDeleteRequest, AuthRoleGrantPermissionRequest,
    AuthRoleRevokePermissionRequest, AuthUserAddRequest, AuthUserChangePasswordRequest,
    AuthUserDeleteRequest, AuthUserGrantRoleRequest, AuthUserRevokeRoleRequest, RequestHeader,
};
use prost::Message;

use crate::Error;

const ROOT: &[u8] = b"root";
const READWRITE: i32 = 2;

/// An auth request, as the apply loop dispatches it.
pub(crate) enum AuthReq<'r> {
    Authenticate,
    Enable,
    Disable,
    Status,
    UserAdd(&'r AuthUserAddRequest),
    UserDelete(&'r AuthUserDeleteRequest),
    UserChangePassword(&'r AuthUserChangePasswordRequest),
    UserGrantRole(&'r AuthUserGrantRoleRequest),
    UserGet,
    UserRevokeRole(&'r AuthUserRevokeRoleRequest),
    RoleAdd(&'r AuthRoleAddRequest),
    RoleGrantPermission(&'r AuthRoleGrantPermissionRequest),
    RoleGet,
    RoleRevokePermission(&'r AuthRoleRevokePermissionRequest),
    RoleDelete(&'r AuthRoleDeleteRequest),
    UserList,
    RoleList,
}

impl AuthReq<'_> {
    /// Does etcd require the request's user to be an admin (root) when
    /// auth is on (`needAdminPermission`)? Every auth request but logins
    /// and the reads of one user or role.
    pub(crate) fn needs_admin(&self) -> bool {
        !matches!(
            self,
            AuthReq::Authenticate | AuthReq::UserGet | AuthReq::RoleGet
        )
    }
}

/// The auth store being replayed, and the bucket changes it made.
#[derive(Debug, Default)]
pub(crate) struct Auth {
    enabled: bool,
    revision: u64,
    users: BTreeMap<Vec<u8>, User>,
    roles: BTreeMap<Vec<u8>, Role>,
    /// `auth` bucket puts.
    pub(crate) auth_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// `authUsers` bucket puts and deletes.
    pub(crate) user_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// `authRoles` bucket puts and deletes.
    pub(crate) role_edits: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

/// An interval of keys: `[begin, end)`, `end` None for no end.
type Ivl = (Vec<u8>, Option<Vec<u8>>);

/// etcd's interval for a key and range end: a single key when the end is
/// empty, everything from the key on when it is `\0`.
fn interval(key: &[u8], end: &[u8]) -> Ivl {
    if end.is_empty() {
        let mut e = key.to_vec();
        e.push(0);
        (key.to_vec(), Some(e))
    } else if end == [0] {
        (key.to_vec(), None)
    } else {
        (key.to_vec(), Some(end.to_vec()))
    }
}

/// True when the union of `have` covers all of `want`.
fn covers(have: &mut [Ivl], want: &Ivl) -> bool {
    have.sort();
    let mut reached = want.0.clone();
    for (b, e) in have.iter() {
        if b.as_slice() > reached.as_slice() {
            continue;
        }
        match e {
            None => return true,
            Some(e) if e.as_slice() > reached.as_slice() => reached = e.clone(),
            Some(_) => {}
        }
        if let Some(w) = &want.1 {
            if reached.as_slice() >= w.as_slice() {
                return true;
            }
        }
    }
    match &want.1 {
        Some(w) => reached.as_slice() >= w.as_slice(),
        None => false,
    }
}

impl Auth {
    /// The auth store of `db`.
    pub(crate) fn load(db: &Db<'_>) -> Result<Self, Error> {
        let mut a = Auth::default();
        let root = db.root_bucket();
        if let Some(b) = root.sub_bucket(db, names::AUTH)? {
            if let Some(e) = b.get(db, names::AUTH_ENABLED)? {
                a.enabled = e.value.first() == Some(&1);
            }
            if let Some(e) = b.get(db, names::AUTH_REVISION)? {
                a.revision = e
                    .value
                    .first_chunk::<8>()
                    .map_or(0, |x| u64::from_be_bytes(*x));
            }
        }
        if let Some(b) = root.sub_bucket(db, names::AUTH_USERS)? {
            for e in b.iter(db) {
                let e = e?;
                if let Ok(u) = User::decode(e.value) {
                    a.users.insert(e.key.to_vec(), u);
                }
            }
        }
        if let Some(b) = root.sub_bucket(db, names::AUTH_ROLES)? {
            for e in b.iter(db) {
                let e = e?;
                if let Ok(r) = Role::decode(e.value) {
                    a.roles.insert(e.key.to_vec(), r);
                }
            }
        }
        Ok(a)
    }

    /// The auth store's revision.
    pub(crate) fn revision(&self) -> u64 {
        self.revision
    }

    fn commit(&mut self) {
        self.revision += 1;
        self.auth_edits.insert(
            names::AUTH_REVISION.to_vec(),
            Some(self.revision.to_be_bytes().to_vec()),
        );
    }

    fn put_user(&mut self, u: User) {
        self.user_edits
            .insert(u.name.clone(), Some(u.encode_to_vec()));
        self.users.insert(u.name.clone(), u);
    }

    fn put_role(&mut self, r: Role) {
        self.role_edits
            .insert(r.name.clone(), Some(r.encode_to_vec()));
        self.roles.insert(r.name.clone(), r);
    }

    /// The password etcd stores: the hash the API layer computed (base64 in
    /// the request); None when that is not base64 (etcd refuses the
    /// request). A request from before 3.5 carries the plain password,
    /// which etcd hashes with a random salt: that cannot be reproduced.
    fn password(plain: &[u8], hashed: &[u8]) -> Result<Option<Vec<u8>>, String> {
        if hashed.is_empty() && !plain.is_empty() {
            return Err("a password change without etcd 3.5's hashed password (an entry written before 3.5)".into());
        }
        Ok(base64::engine::general_purpose::STANDARD
            .decode(hashed)
            .ok())
    }

    /// etcd's `IsAdminPermitted`: with auth on, the request's user exists
    /// and holds the root role (the auth revision is not checked).
    pub(crate) fn admin_permitted(&self, header: Option<&RequestHeader>) -> bool {
        if !self.enabled {
            return true;
        }
        let name = header.map_or(&[][..], |h| &h.username[..]);
        !name.is_empty()
            && self
                .users
                .get(name)
                .is_some_and(|u| u.roles.iter().any(|r| r.as_bytes() == ROOT))
    }

    /// Applies one auth request.
    pub(crate) fn apply(&mut self, req: &AuthReq<'_>) -> Result<(), String> {
        match *req {
            AuthReq::Enable => {
                let root_ok = self
                    .users
                    .get(ROOT)
                    .is_some_and(|u| u.roles.iter().any(|r| r.as_bytes() == ROOT));
                if !self.enabled && root_ok {
                    self.enabled = true;
                    self.auth_edits
                        .insert(names::AUTH_ENABLED.to_vec(), Some(vec![1]));
                }
            }
            AuthReq::Disable => {
                if self.enabled {
                    self.enabled = false;
                    self.auth_edits
                        .insert(names::AUTH_ENABLED.to_vec(), Some(vec![0]));
                    self.commit();
                }
            }
            AuthReq::UserAdd(r) => {
                if r.name.is_empty() || self.users.contains_key(&r.name) {
                    return Ok(());
                }
                let no_password = r.options.as_ref().is_some_and(|o| o.no_password);
                let password = if no_password {
                    Vec::new()
                } else {
                    match Self::password(&r.password, &r.hashed_password)? {
                        Some(p) => p,
                        None => return Ok(()),
                    }
                };
                self.put_user(User {
                    name: r.name.clone(),
                    password,
                    roles: Vec::new(),
                    options: Some(UserAddOptions { no_password }),
                });
                self.commit();
            }
            AuthReq::UserDelete(r) => {
                let n = &r.name;
                if (self.enabled && n == ROOT) || self.users.remove(n).is_none() {
                    return Ok(());
                }
                self.user_edits.insert(n.clone(), None);
                self.commit();
            }
            AuthReq::UserChangePassword(r) => {
                let Some(mut u) = self.users.get(&r.name).cloned() else {
                    return Ok(());
                };
                let no_password = u.options.as_ref().is_some_and(|o| o.no_password);
                u.password = if no_password {
                    Vec::new()
                } else {
                    match Self::password(&r.password, &r.hashed_password)? {
                        Some(p) => p,
                        None => return Ok(()),
                    }
                };
                self.put_user(u);
                self.commit();
            }
            AuthReq::UserGrantRole(r) => {
                let Some(mut u) = self.users.get(&r.user).cloned() else {
                    return Ok(());
                };
                if r.role != ROOT && !self.roles.contains_key(&r.role) {
                    return Ok(());
                }
                let role = String::from_utf8_lossy(&r.role).into_owned();
                if u.roles.contains(&role) {
                    return Ok(());
                }
                u.roles.push(role);
                u.roles.sort();
                self.put_user(u);
                self.commit();
            }
            AuthReq::UserRevokeRole(r) => {
                if self.enabled && r.name == ROOT && r.role == ROOT {
                    return Ok(());
                }
                let Some(mut u) = self.users.get(&r.name).cloned() else {
                    return Ok(());
                };
                let before = u.roles.len();
                u.roles.retain(|x| x.as_bytes() != r.role.as_slice());
                if u.roles.len() == before {
                    return Ok(());
                }
                self.put_user(u);
                self.commit();
            }
            AuthReq::RoleAdd(r) => {
                if r.name.is_empty() || self.roles.contains_key(&r.name) {
                    return Ok(());
                }
                self.put_role(Role {
                    name: r.name.clone(),
                    key_permission: Vec::new(),
                });
                self.commit();
            }
            AuthReq::RoleDelete(r) => {
                let n = &r.role;
                if (self.enabled && n == ROOT) || self.roles.remove(n).is_none() {
                    return Ok(());
                }
                self.role_edits.insert(n.clone(), None);
                let holders: Vec<User> = self
                    .users
                    .values()
                    .filter(|u| u.roles.iter().any(|x| x.as_bytes() == n.as_slice()))
                    .cloned()
                    .collect();
                for mut u in holders {
                    u.roles.retain(|x| x.as_bytes() != n.as_slice());
                    self.put_user(u);
                }
                self.commit();
            }
            AuthReq::RoleGrantPermission(r) => {
                let Some(p) = &r.perm else {
                    return Ok(());
                };
                let Some(mut role) = self.roles.get(&r.name).cloned() else {
                    return Ok(());
                };
                let (key, end) = (p.key.clone(), p.range_end.clone());
                let idx = role.key_permission.partition_point(|x| x.key < key);
                match role.key_permission.get_mut(idx) {
                    Some(x) if x.key == key && x.range_end == end => x.perm_type = p.perm_type,
                    _ => {
                        role.key_permission.push(Permission {
                            perm_type: p.perm_type,
                            key,
                            range_end: end,
                        });
                        // Go's sort.Sort is not stable: equal keys keep no
                        // defined order; a stable sort is one of its orders.
                        role.key_permission.sort_by(|a, b| a.key.cmp(&b.key));
                    }
                }
                self.put_role(role);
                self.commit();
            }
            AuthReq::RoleRevokePermission(r) => {
                let Some(mut role) = self.roles.get(&r.role).cloned() else {
                    return Ok(());
                };
                let before = role.key_permission.len();
                role.key_permission
                    .retain(|x| !(x.key == r.key && x.range_end == r.range_end));
                if role.key_permission.len() == before {
                    return Ok(());
                }
                self.put_role(role);
                self.commit();
            }
            // Reads and logins that pass through raft change nothing.
            AuthReq::Status
            | AuthReq::Authenticate
            | AuthReq::UserGet
            | AuthReq::UserList
            | AuthReq::RoleGet
            | AuthReq::RoleList => {}
        }
        Ok(())
    }

    /// The user a request runs as, when auth checks apply to it: None when
    /// auth is off or the user holds the root role (everything allowed);
    /// Err(()) when the request may not run at all (no user, a user that
    /// does not exist, or an auth revision older than the store's).
    pub(crate) fn subject(&self, header: Option<&RequestHeader>) -> Result<Option<&User>, ()> {
        if !self.enabled {
            return Ok(None);
        }
        let (name, rev) = header.map_or((&[][..], 0), |h| (&h.username[..], h.auth_revision));
        if rev == 0 || rev < self.revision {
            return Err(());
        }
        let u = self.users.get(name).ok_or(())?;
        if u.roles.iter().any(|r| r.as_bytes() == ROOT) {
            return Ok(None);
        }
        Ok(Some(u))
    }

    /// Does `user` hold `want` (READ or WRITE) over `[key, end)` (etcd's
    /// range rules), through the union of its roles' permissions?
    pub(crate) fn permitted(&self, user: &User, key: &[u8], end: &[u8], want: i32) -> bool {
        let mut have: Vec<Ivl> = Vec::new();
        for r in &user.roles {
            let Some(role) = self.roles.get(r.as_bytes()) else {
                continue;
            };
            for p in &role.key_permission {
                if p.perm_type == want || p.perm_type == READWRITE {
                    have.push(interval(&p.key, &p.range_end));
                }
            }
        }
        covers(&mut have, &interval(key, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ivl(b: &str, e: Option<&str>) -> Ivl {
        (b.as_bytes().to_vec(), e.map(|e| e.as_bytes().to_vec()))
    }

    #[test]
    fn coverage_by_unions_of_intervals() {
        let mut have = vec![ivl("/a", Some("/c")), ivl("/c", Some("/e"))];
        assert!(covers(&mut have, &ivl("/b", Some("/d"))));
        assert!(!covers(&mut have, &ivl("/b", Some("/f"))));
        assert!(covers(&mut have, &interval(b"/d", b"")));
        assert!(!covers(&mut have, &interval(b"/e", b"")));
        let mut open = vec![ivl("/a", None)];
        assert!(covers(&mut open, &interval(b"/z", b"\0")));
        assert!(!covers(&mut [ivl("/b", None)], &interval(b"/a", b"\0")));
        // A point permission covers exactly its key.
        let mut point = vec![interval(b"/last", b"")];
        assert!(covers(&mut point, &interval(b"/last", b"")));
        assert!(!covers(&mut point, &interval(b"/last", b"/lastx")));
    }
}
