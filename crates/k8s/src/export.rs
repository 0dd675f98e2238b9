//! `k8s export`: objects made ready for `kubectl apply` into a live
//! cluster. What the old cluster assigned, or the new one will assign
//! itself, is removed; objects something else recreates are skipped
//! (and named), unless asked for.
//!
//! Removed from every object: `metadata.resourceVersion`, `uid`,
//! `selfLink`, `creationTimestamp`, `generation`, `managedFields`,
//! `deletionTimestamp`, `deletionGracePeriodSeconds`, `finalizers`,
//! `ownerReferences`; `status` (unless kept); a Service's `clusterIP`,
//! `clusterIPs` and node ports; a PersistentVolumeClaim's `volumeName`.
//!
//! Skipped unless `no_skip`: objects a controller owns (their owner makes
//! them again), Events, Endpoints and EndpointSlices, service-account
//! token Secrets, the `kube-root-ca.crt` ConfigMaps. Secrets at all
//! unless `secrets`.

use serde_json::Value;

use crate::get::group_kind;
use crate::resources::ResourceType;

/// How to export.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Keep `status`.
    pub keep_status: bool,
    /// Export what is skipped by default (still stripped).
    pub no_skip: bool,
    /// Export Secrets (their values in clear).
    pub secrets: bool,
}

/// Why an object is not exported, or None to export it.
pub fn skip_reason(v: &Value, opts: ExportOptions) -> Option<&'static str> {
    let (group, kind) = group_kind(v);
    if group.is_empty() && kind == "Secret" && !opts.secrets {
        return Some("a Secret (--show-secrets exports Secrets, values in clear)");
    }
    if opts.no_skip {
        return None;
    }
    let owned = v
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        });
    if owned {
        return Some("owned by a controller, which recreates it");
    }
    match (group, kind) {
        ("" | "events.k8s.io", "Event") => Some("an Event"),
        ("", "Endpoints") | ("discovery.k8s.io", "EndpointSlice") => {
            Some("endpoints are made from Services")
        }
        ("", "Secret")
            if v.get("type").and_then(Value::as_str)
                == Some("kubernetes.io/service-account-token") =>
        {
            Some("a service-account token, issued again by the new cluster")
        }
        ("", "ConfigMap")
            if v.pointer("/metadata/name").and_then(Value::as_str) == Some("kube-root-ca.crt") =>
        {
            Some("kube-root-ca.crt, published by the new cluster")
        }
        _ => None,
    }
}

/// Removes what the old cluster assigned (see the module doc).
pub fn strip(v: &mut Value, opts: ExportOptions) {
    let (group, kind) = group_kind(v);
    let (group, kind) = (group.to_string(), kind.to_string());
    if let Some(Value::Object(meta)) = v.get_mut("metadata") {
        for f in [
            "resourceVersion",
            "uid",
            "selfLink",
            "creationTimestamp",
            "generation",
            "managedFields",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "finalizers",
            "ownerReferences",
        ] {
            meta.remove(f);
        }
    }
    if let Value::Object(m) = v {
        if !opts.keep_status {
            m.remove("status");
        }
        if let Some(Value::Object(spec)) = m.get_mut("spec") {
            match (group.as_str(), kind.as_str()) {
                ("", "Service") => {
                    spec.remove("clusterIP");
                    spec.remove("clusterIPs");
                    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                        for p in ports {
                            if let Value::Object(p) = p {
                                p.remove("nodePort");
                            }
                        }
                    }
                }
                ("", "PersistentVolumeClaim") => {
                    spec.remove("volumeName");
                }
                _ => {}
            }
        }
    }
}

/// Where an object goes: `<namespace or _cluster>/<plural or
/// plural.group>/<name>.yaml`, or None when a name is not a safe file
/// name (it always is for objects the API server accepted).
pub fn relative_path(v: &Value, known: &[ResourceType]) -> Option<String> {
    let (group, kind) = group_kind(v);
    let name = v.pointer("/metadata/name").and_then(Value::as_str)?;
    let ns = v
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("_cluster");
    let resource = crate::resources::type_of(known, group, kind).qualified_plural();
    let safe =
        |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains('/') && !s.contains('\0');
    (safe(name) && safe(ns) && safe(&resource)).then(|| format!("{ns}/{resource}/{name}.yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn services_lose_what_the_cluster_assigned() {
        let mut s = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "a", "uid": "u", "resourceVersion": "5",
                         "creationTimestamp": "t", "managedFields": [], "labels": {"x": "y"}},
            "spec": {"clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "type": "NodePort",
                     "ports": [{"port": 80, "nodePort": 30001}]},
            "status": {"loadBalancer": {}}});
        strip(&mut s, ExportOptions::default());
        assert_eq!(
            s,
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "a", "labels": {"x": "y"}},
                "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
        );
        let known = crate::resources::built_in();
        assert_eq!(relative_path(&s, &known).unwrap(), "a/services/web.yaml");
    }

    #[test]
    fn what_is_skipped() {
        let o = ExportOptions::default();
        let owned = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"ownerReferences": [{"controller": true}]}});
        assert!(skip_reason(&owned, o).is_some());
        let secret = json!({"apiVersion": "v1", "kind": "Secret"});
        assert!(skip_reason(&secret, o).is_some());
        let s = ExportOptions { secrets: true, ..o };
        assert!(skip_reason(&secret, s).is_none());
        let token = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token"});
        assert!(skip_reason(&token, s).is_some());
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        assert!(skip_reason(&d, o).is_none());
        let known = crate::resources::built_in();
        assert_eq!(
            relative_path(&d, &known).unwrap(),
            "_cluster/deployments.apps/web.yaml"
        );
        let bad = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "../x"}});
        assert!(relative_path(&bad, &known).is_none());
    }
}
