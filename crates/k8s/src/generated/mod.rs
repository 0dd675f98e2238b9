//! Code generated from the Kubernetes Go types, kept apart from the
//! hand-written decoder that interprets it. Regenerate with
//! `testdata/go/k8sschema` (the `generated_schema_is_current` test diffs it).

#[rustfmt::skip]
#[allow(clippy::all)]
pub mod schema;
