//! etcd requests built for replay tests and benches.

use etcdsnap_wal::etcdserverpb::{
    AuthEnableRequest, AuthRoleAddRequest, AuthRoleGrantPermissionRequest, AuthUserAddRequest,
    AuthUserGrantRoleRequest, InternalRaftRequest, Permission, PermissionType, UserAddOptions,
};

/// A root user with the root role, then `user` with a role (named
/// `<user>role`) that may read and write the keys under `prefix` (which
/// must end in `/`), then auth enabled: six auth changes, so the auth
/// revision is 7 after them on a fresh auth store.
pub fn auth_with_user_limited_to(user: &str, prefix: &str) -> Vec<InternalRaftRequest> {
    let add = |name: &str| InternalRaftRequest {
        auth_user_add: Some(AuthUserAddRequest {
            name: name.into(),
            options: Some(UserAddOptions { no_password: true }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let grant = |user: &str, role: &str| InternalRaftRequest {
        auth_user_grant_role: Some(AuthUserGrantRoleRequest {
            user: user.into(),
            role: role.into(),
        }),
        ..Default::default()
    };
    let role = format!("{user}role");
    // The range end: the prefix with its last byte (`/`) raised by one.
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    vec![
        add("root"),
        grant("root", "root"),
        InternalRaftRequest {
            auth_role_add: Some(AuthRoleAddRequest {
                name: role.clone().into_bytes(),
            }),
            ..Default::default()
        },
        InternalRaftRequest {
            auth_role_grant_permission: Some(AuthRoleGrantPermissionRequest {
                name: role.clone().into_bytes(),
                perm: Some(Permission {
                    perm_type: PermissionType::Readwrite as i32,
                    key: prefix.as_bytes().to_vec(),
                    range_end: end,
                }),
            }),
            ..Default::default()
        },
        add(user),
        grant(user, &role),
        InternalRaftRequest {
            auth_enable: Some(AuthEnableRequest {}),
            ..Default::default()
        },
    ]
}
