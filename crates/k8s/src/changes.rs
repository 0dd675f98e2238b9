//! What changed between two versions of an object, field by field: the
//! paths (`spec.replicas`, `metadata.labels.app`,
//! `spec.template.spec.containers[0].image`) whose values differ, with
//! the value on each side (absent on one side: null there).

use serde_json::Value;

/// One changed field.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    /// Where, in kubectl's JSONPath-like notation.
    pub path: String,
    /// The value in the first version (null when absent).
    pub a: Value,
    /// The value in the second version (null when absent).
    pub b: Value,
}

/// Fields the API server changes on every write, or that say when rather
/// than what: left out of comparisons unless all fields are asked for.
pub fn strip_volatile(v: &mut Value) {
    if let Some(Value::Object(meta)) = v.get_mut("metadata") {
        meta.remove("resourceVersion");
        if let Some(Value::Array(mf)) = meta.get_mut("managedFields") {
            for entry in mf {
                if let Value::Object(e) = entry {
                    e.remove("time");
                }
            }
        }
    }
}

/// The changed leaves between `a` and `b`, in path order. Objects are
/// compared key by key, arrays index by index; any other difference
/// (including a change of type) is one change at that path.
pub fn changes(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(a, b, &mut String::new(), &mut out, 0);
    out
}

/// Deeper than this, a difference is reported at the path reached.
const MAX_DEPTH: usize = 128;

fn walk(a: &Value, b: &Value, path: &mut String, out: &mut Vec<Change>, depth: usize) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if depth < MAX_DEPTH => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                walk(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    path,
                    out,
                    depth + 1,
                );
                path.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) if depth < MAX_DEPTH => {
            for i in 0..x.len().max(y.len()) {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    path,
                    out,
                    depth + 1,
                );
                path.truncate(len);
            }
        }
        _ => out.push(Change {
            path: path.clone(),
            a: a.clone(),
            b: b.clone(),
        }),
    }
}

/// The distinct top two levels of the changed paths
/// (`spec.replicas`, `metadata.labels`), for a one-line summary.
pub fn summary(changes: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = changes
        .iter()
        .map(|c| {
            let mut parts = c.path.splitn(3, '.');
            match (parts.next(), parts.next()) {
                (Some(a), Some(b)) => {
                    let b = b.split('[').next().unwrap_or(b);
                    format!("{a}.{b}")
                }
                (Some(a), None) => a.split('[').next().unwrap_or(a).to_string(),
                _ => String::new(),
            }
        })
        .collect();
    out.dedup();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_level_changes() {
        let a = json!({"spec": {"replicas": 1, "template": {"c": [{"image": "a"}]}}, "metadata": {"labels": {"x": "1"}}});
        let b = json!({"spec": {"replicas": 2, "template": {"c": [{"image": "b"}, {"image": "c"}]}}, "metadata": {"labels": {}}});
        let c = changes(&a, &b);
        let paths: Vec<&str> = c.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "metadata.labels.x",
                "spec.replicas",
                "spec.template.c[0].image",
                "spec.template.c[1]"
            ]
        );
        assert_eq!(c[0].b, Value::Null);
        assert_eq!(
            summary(&c),
            ["metadata.labels", "spec.replicas", "spec.template"]
        );
        assert!(changes(&a, &a).is_empty());
    }

    #[test]
    fn volatile_fields_ignored() {
        let mut a = json!({"metadata": {"resourceVersion": "5", "managedFields": [{"time": "t1", "manager": "m"}]}});
        let mut b = json!({"metadata": {"resourceVersion": "9", "managedFields": [{"time": "t2", "manager": "m"}]}});
        strip_volatile(&mut a);
        strip_volatile(&mut b);
        assert!(changes(&a, &b).is_empty());
    }
}
