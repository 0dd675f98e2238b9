//! Resource names as kubectl takes them: the TYPE argument of `k8s get`
//! (plural, singular, short name, kind in any case, optionally qualified
//! by group or version and group, as in `deployments.apps` or
//! `deploy.v1.apps`) resolved to a group and kind.
//!
//! The built-in table holds what the API server's discovery says of every
//! resource Kubernetes 1.36 stores (kubernetes `pkg/registry/*/storage`:
//! each storage's plural, `ShortNames()` and namespace scope); custom
//! resources come from the CustomResourceDefinitions in the same data
//! (`spec.group`, `spec.names`, `spec.scope`).

/// One kind of object the API serves and stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group, empty for the core group.
    pub group: String,
    /// Kind, as in `apiVersion`/`kind`.
    pub kind: String,
    /// Plural resource name (URL and kubectl name).
    pub plural: String,
    /// Singular name (the lowercased kind for built-ins).
    pub singular: String,
    /// kubectl's short names.
    pub short_names: Vec<String>,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ResourceType {
    /// `plural` or `plural.group`, as `kubectl get -o name` and export
    /// folders name the type.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `kind` or `kind.group`, lowercased, as `kubectl get -o name`
    /// prints it (`deployment.apps/web`, `pod/x`).
    pub fn name_prefix(&self) -> String {
        let kind = self.kind.to_ascii_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }
}

/// (group, kind, short names, cluster-scoped). The plural is derived by
/// [`plural_of`], which covers every built-in kind.
const BUILT_IN: &[(&str, &str, &[&str], bool)] = &[
    ("", "Binding", &[], false),
    ("", "ComponentStatus", &["cs"], true),
    ("", "ConfigMap", &["cm"], false),
    ("", "Endpoints", &["ep"], false),
    ("", "Event", &["ev"], false),
    ("", "LimitRange", &["limits"], false),
    ("", "Namespace", &["ns"], true),
    ("", "Node", &["no"], true),
    ("", "PersistentVolumeClaim", &["pvc"], false),
    ("", "PersistentVolume", &["pv"], true),
    ("", "Pod", &["po"], false),
    ("", "PodTemplate", &[], false),
    ("", "RangeAllocation", &[], true),
    ("", "ReplicationController", &["rc"], false),
    ("", "ResourceQuota", &["quota"], false),
    ("", "Secret", &[], false),
    ("", "ServiceAccount", &["sa"], false),
    ("", "Service", &["svc"], false),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicy",
        &[],
        true,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
        &[],
        true,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        &[],
        true,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        &[],
        true,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        &[],
        true,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        &[],
        true,
    ),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        &["crd", "crds"],
        true,
    ),
    // kube-aggregator v0.36.2 pkg/registry/apiservice: `apiservices`, no
    // ShortNames (etcd/etcd.go), not namespaced (strategy.go:51-53).
    ("apiregistration.k8s.io", "APIService", &[], true),
    ("apps", "ControllerRevision", &[], false),
    ("apps", "DaemonSet", &["ds"], false),
    ("apps", "Deployment", &["deploy"], false),
    ("apps", "ReplicaSet", &["rs"], false),
    ("apps", "StatefulSet", &["sts"], false),
    ("autoscaling", "HorizontalPodAutoscaler", &["hpa"], false),
    ("batch", "CronJob", &["cj"], false),
    ("batch", "Job", &[], false),
    (
        "certificates.k8s.io",
        "CertificateSigningRequest",
        &["csr"],
        true,
    ),
    ("certificates.k8s.io", "ClusterTrustBundle", &[], true),
    ("certificates.k8s.io", "PodCertificateRequest", &[], false),
    ("coordination.k8s.io", "Lease", &[], false),
    ("coordination.k8s.io", "LeaseCandidate", &[], false),
    ("discovery.k8s.io", "EndpointSlice", &[], false),
    ("events.k8s.io", "Event", &["ev"], false),
    ("extensions", "DaemonSet", &["ds"], false),
    ("extensions", "Deployment", &["deploy"], false),
    ("extensions", "Ingress", &["ing"], false),
    ("extensions", "NetworkPolicy", &["netpol"], false),
    ("extensions", "ReplicaSet", &["rs"], false),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema", &[], true),
    (
        "flowcontrol.apiserver.k8s.io",
        "PriorityLevelConfiguration",
        &[],
        true,
    ),
    ("internal.apiserver.k8s.io", "StorageVersion", &[], true),
    ("networking.k8s.io", "IPAddress", &["ip"], true),
    ("networking.k8s.io", "Ingress", &["ing"], false),
    ("networking.k8s.io", "IngressClass", &[], true),
    ("networking.k8s.io", "NetworkPolicy", &["netpol"], false),
    ("networking.k8s.io", "ServiceCIDR", &[], true),
    ("node.k8s.io", "RuntimeClass", &[], true),
    ("policy", "PodDisruptionBudget", &["pdb"], false),
    ("policy", "PodSecurityPolicy", &["psp"], true),
    ("rbac.authorization.k8s.io", "ClusterRole", &[], true),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding", &[], true),
    ("rbac.authorization.k8s.io", "Role", &[], false),
    ("rbac.authorization.k8s.io", "RoleBinding", &[], false),
    ("resource.k8s.io", "DeviceClass", &[], true),
    ("resource.k8s.io", "DeviceTaintRule", &[], true),
    ("resource.k8s.io", "ResourceClaim", &[], false),
    ("resource.k8s.io", "ResourceClaimTemplate", &[], false),
    ("resource.k8s.io", "ResourceSlice", &[], true),
    ("scheduling.k8s.io", "PodGroup", &[], false),
    ("scheduling.k8s.io", "PriorityClass", &["pc"], true),
    ("scheduling.k8s.io", "Workload", &[], false),
    ("storage.k8s.io", "CSIDriver", &[], true),
    ("storage.k8s.io", "CSINode", &[], true),
    ("storage.k8s.io", "CSIStorageCapacity", &[], false),
    ("storage.k8s.io", "StorageClass", &["sc"], true),
    ("storage.k8s.io", "VolumeAttachment", &[], true),
    ("storage.k8s.io", "VolumeAttributesClass", &["vac"], true),
    (
        "storagemigration.k8s.io",
        "StorageVersionMigration",
        &[],
        true,
    ),
];

/// The plural of a built-in kind: lowercased, `y` after a consonant to
/// `ies`, `s`, `x`, `ch`, `sh` and `z` endings take `es`, others `s`
/// (apimachinery's `UnsafeGuessKindToResource`), except `Endpoints`,
/// which is its own plural.
pub fn plural_of(kind: &str) -> String {
    let k = kind.to_ascii_lowercase();
    if k == "endpoints" {
        return k;
    }
    if let Some(stem) = k.strip_suffix('y') {
        if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
            return format!("{stem}ies");
        }
    }
    if k.ends_with('s')
        || k.ends_with('x')
        || k.ends_with("ch")
        || k.ends_with("sh")
        || k.ends_with('z')
    {
        return format!("{k}es");
    }
    format!("{k}s")
}

/// Every built-in resource type.
pub fn built_in() -> Vec<ResourceType> {
    BUILT_IN
        .iter()
        .map(|(group, kind, short, cluster)| ResourceType {
            group: (*group).to_string(),
            kind: (*kind).to_string(),
            plural: plural_of(kind),
            singular: kind.to_ascii_lowercase(),
            short_names: short.iter().map(|s| (*s).to_string()).collect(),
            namespaced: !cluster,
        })
        .collect()
}

/// The type of objects of `group` and `kind`: the known one, or one named
/// by the built-in plural rule when none is known (a kind whose
/// definition is not in the data).
pub fn type_of(known: &[ResourceType], group: &str, kind: &str) -> ResourceType {
    known
        .iter()
        .find(|t| t.kind == kind && t.group == group)
        .cloned()
        .unwrap_or_else(|| ResourceType {
            group: group.to_string(),
            kind: kind.to_string(),
            plural: plural_of(kind),
            singular: kind.to_ascii_lowercase(),
            short_names: Vec::new(),
            namespaced: true,
        })
}

/// The resource type a CustomResourceDefinition (as decoded JSON)
/// defines, or None when it lacks the names.
pub fn from_crd(crd: &serde_json::Value) -> Option<ResourceType> {
    let spec = crd.get("spec")?;
    let names = spec.get("names")?;
    let s = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let kind = s(names.get("kind"))?;
    let plural = s(names.get("plural"))?;
    Some(ResourceType {
        group: s(spec.get("group"))?,
        singular: s(names.get("singular")).unwrap_or_else(|| kind.to_ascii_lowercase()),
        short_names: names
            .get("shortNames")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        namespaced: s(spec.get("scope")).as_deref() != Some("Cluster"),
        kind,
        plural,
    })
}

/// A TYPE argument that names nothing known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server doesn't have a resource type {0:?}")]
pub struct UnknownType(pub String);

/// Resolves kubectl's TYPE grammar against `known`: `name`, `name.group`
/// or `name.version.group`, where name is a plural, singular, short name
/// or kind (case-insensitive). Where several groups match an unqualified
/// name, every match is returned (kubectl picks by group priority; the
/// stored objects decide here, as each keeps its own apiVersion).
pub fn resolve(arg: &str, known: &[ResourceType]) -> Result<Vec<ResourceType>, UnknownType> {
    let lower = arg.to_ascii_lowercase();
    let matches_name = |t: &ResourceType, name: &str| {
        t.plural == name
            || t.singular == name
            || t.kind.eq_ignore_ascii_case(name)
            || t.short_names.iter().any(|s| s == name)
    };
    let mut out: Vec<ResourceType> = known
        .iter()
        .filter(|t| matches_name(t, &lower))
        .cloned()
        .collect();
    if out.is_empty() {
        // name.group, or name.version.group.
        if let Some((name, rest)) = lower.split_once('.') {
            let group_only = |g: &str| {
                known
                    .iter()
                    .filter(|t| t.group == g && matches_name(t, name))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            out = group_only(rest);
            if out.is_empty() {
                if let Some((_version, group)) = rest.split_once('.') {
                    out = group_only(group);
                }
            }
        }
    }
    if out.is_empty() {
        return Err(UnknownType(arg.to_string()));
    }
    out.sort_by(|a, b| (&a.group, &a.kind).cmp(&(&b.group, &b.kind)));
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_of_built_ins() {
        let p: Vec<String> = [
            "Endpoints",
            "NetworkPolicy",
            "Ingress",
            "PriorityClass",
            "Pod",
            "CSIStorageCapacity",
        ]
        .iter()
        .map(|k| plural_of(k))
        .collect();
        assert_eq!(
            p,
            [
                "endpoints",
                "networkpolicies",
                "ingresses",
                "priorityclasses",
                "pods",
                "csistoragecapacities"
            ]
        );
    }

    #[test]
    fn resolves_kubectl_names() {
        let known = built_in();
        let one = |a: &str| {
            let r = resolve(a, &known).unwrap();
            r.iter()
                .map(|t| format!("{}/{}", t.group, t.kind))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(one("po"), "/Pod");
        assert_eq!(one("Pods"), "/Pod");
        assert_eq!(one("POD"), "/Pod");
        assert_eq!(one("deploy"), "apps/Deployment,extensions/Deployment");
        assert_eq!(one("deployments.apps"), "apps/Deployment");
        assert_eq!(one("deployment.v1.apps"), "apps/Deployment");
        assert_eq!(
            one("netpol.networking.k8s.io"),
            "networking.k8s.io/NetworkPolicy"
        );
        assert_eq!(one("crd"), "apiextensions.k8s.io/CustomResourceDefinition");
        assert!(resolve("nonsense", &known).is_err());
    }

    #[test]
    fn custom_resources_from_their_definition() {
        let crd = serde_json::json!({"spec": {"group": "stable.example.com", "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]}}});
        let mut known = built_in();
        known.push(from_crd(&crd).unwrap());
        let r = resolve("crontabs.stable.example.com", &known).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].name_prefix(), "crontab.stable.example.com");
        assert_eq!(resolve("ct", &known).unwrap()[0].kind, "CronTab");
    }
}
