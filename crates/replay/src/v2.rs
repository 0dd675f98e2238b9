//! v2 requests in a replay: what etcd 3.4 and 3.5 apply of them to the
//! v3 backend.

use super::*;

/// Applies what a v2 request changes in the v3 backend, as etcd 3.4 and
/// 3.5 do (`applierV2store.Put`: a member's published attributes, written
/// by every 3.4 start and a 3.5 first boot, update the `members` bucket;
/// `/0/version` sets `cluster/clusterVersion`). Reads and `SYNC` change
/// nothing there; other writes go to the v2 store alone, which replay does
/// not model, and are refused by name.
pub(super) fn apply_v2(
    st: &mut State<'_>,
    r: &etcdsnap_wal::etcdserverpb::Request,
) -> Result<(), String> {
    let method = String::from_utf8_lossy(&r.method);
    let path = String::from_utf8_lossy(&r.path);
    if st.rules.v2_requests_removed() {
        // 3.7 reserves the v2 field and has no v2 Request to fall back to
        // (v3.7.1 api/etcdserverpb/raft_internal.proto:28-29,
        // server/etcdserver/apply/apply.go `Apply`).
        return Err(format!(
            "a v2 {method} of {path:?}; etcd {} has no v2 requests and stops on it",
            st.rules
        ));
    }
    if st.rules.v2_requests_converted_to_v3() {
        // 3.6 converts a v2 PUT of a member's attributes or of the
        // cluster version into the v3 request and panics on anything else
        // ("detected disallowed v2 WAL", v3.6.14
        // server/etcdserver/apply_v2.go:29-66).
        let allowed = method == "PUT" && (path == "/0/version" || member_of(&path).is_some());
        if !allowed {
            return Err(format!(
                "a v2 {method} of {path:?}, which etcd {} stops on (only a PUT of a member's \
                 attributes or of the cluster version is converted to v3)",
                st.rules
            ));
        }
    }
    match method.as_ref() {
        "PUT" => {}
        // Writes that reach only the v2 store.
        "POST" | "DELETE" => {
            return Err(format!(
                "a v2 {method} of {path:?} (the v2 store, which offline replay does not model)"
            ))
        }
        // Reads, SYNC (expiring v2 TTL keys) and methods etcd answers with
        // ErrUnknownMethod change nothing in either store etcd reads back.
        _ => return Ok(()),
    }
    if path == "/0/version" {
        // etcd parses the value as a semantic version (and stops on one
        // that is not) and stores it printed back.
        let ver = String::from_utf8_lossy(&r.val);
        if !is_semver(&ver) {
            return Err(format!(
                "a v2 cluster version {ver:?} that is not a version (etcd stops on it)"
            ));
        }
        st.cluster.insert(
            names::CLUSTER_VERSION.to_vec(),
            Some(ver.into_owned().into_bytes()),
        );
        return Ok(());
    }
    if let Some(id) = member_of(&path) {
        let id = u64::from_str_radix(id, 16).map_err(|e| format!("a member id {id:?}: {e}"))?;
        #[derive(serde::Deserialize)]
        struct V2Attributes {
            #[serde(default)]
            name: String,
            #[serde(default, rename = "clientURLs")]
            client_urls: Vec<String>,
        }
        let a: V2Attributes = serde_json::from_slice(&r.val)
            .map_err(|e| format!("a v2 member attribute update that is not JSON ({e})"))?;
        let attrs = etcdsnap_wal::etcdserverpb::Attributes {
            name: a.name.into_bytes(),
            client_urls: a.client_urls.into_iter().map(String::into_bytes).collect(),
        };
        return st.mem.set_attributes(id, &attrs);
    }
    Err(format!(
        "a v2 PUT of {path:?} (the v2 store, which offline replay does not model)"
    ))
}

/// The member id of a v2 path `/0/members/<hex id>/attributes`.
fn member_of(path: &str) -> Option<&str> {
    path.strip_prefix("/0/members/")
        .and_then(|rest| rest.strip_suffix("/attributes"))
        .filter(|id| !id.is_empty() && id.len() <= 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `major.minor.patch` with an optional pre-release or build suffix, as
/// Go's semver accepts it for etcd's versions.
pub(super) fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
