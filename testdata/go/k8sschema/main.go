// Command k8sschema writes crates/k8s/src/generated/schema.rs: the tables
// etcdsnap-k8s decodes stored Kubernetes objects with.
//
// It walks, by reflection, every Go type registered in client-go's scheme
// (all built-in kinds, every version) and in apiextensions-apiserver's
// apiextensions/v1 and v1beta1, and every type reachable from their fields;
// and kube-aggregator's apiregistration v1 and v1beta1 (APIService), which
// are not among the Go libraries here and are described in apiregistration.go.
// The struct tags read here are the source of truth: the `json` tags are
// those of k8s.io/api's types.go, and the `protobuf` tags are written by
// go-to-protobuf together with generated.proto, so they carry the same field
// numbers. Their wire-type words are not reliable (pointers to scalars are
// tagged "bytes", some *string fields "varint"): wire types are derived from
// the Go types, as go-to-protobuf derives generated.proto's. Named slice
// types with a generated Unmarshal (metav1.Verbs, ExtraValue) are messages of
// their own; types with their own MarshalJSON must be listed in specials, and
// any other one fails the run.
//
// Usage: k8sschema > crates/k8s/src/generated/schema.rs
package main

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// Types whose JSON form is written by their own MarshalJSON (or whose
// protobuf form is hand-written): the form names the Rust-side rendering,
// proto (when set) replaces the struct's own protobuf tags.
type special struct {
	form  string
	proto []protoField
}

type protoField struct {
	name   string
	number int
	ty     string
}

const (
	metav1  = "k8s.io/apimachinery/pkg/apis/meta/v1."
	apiext1 = "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1."
	apiextb = "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1."
)

var timestamp = []protoField{{"seconds", 1, "Ty::Int64"}, {"nanos", 2, "Ty::Int32"}}

var specials = map[string]special{
	metav1 + "Time":      {"Form::Time", timestamp},
	metav1 + "MicroTime": {"Form::MicroTime", timestamp},
	metav1 + "Duration":  {"Form::Duration", []protoField{{"duration", 1, "Ty::Int64"}}},
	metav1 + "FieldsV1":  {"Form::FieldsV1", nil},
	"k8s.io/apimachinery/pkg/api/resource.Quantity": {"Form::Quantity",
		[]protoField{{"string", 1, "Ty::String"}}},
	"k8s.io/apimachinery/pkg/util/intstr.IntOrString": {"Form::IntOrString", nil},
	"k8s.io/apimachinery/pkg/runtime.RawExtension":    {"Form::RawExtension", nil},
	apiext1 + "JSON":                         {"Form::RawJson", nil},
	apiextb + "JSON":                         {"Form::RawJson", nil},
	apiext1 + "JSONSchemaPropsOrBool":        {"Form::SchemaOrBool", nil},
	apiextb + "JSONSchemaPropsOrBool":        {"Form::SchemaOrBool", nil},
	apiext1 + "JSONSchemaPropsOrArray":       {"Form::SchemaOrArray", nil},
	apiextb + "JSONSchemaPropsOrArray":       {"Form::SchemaOrArray", nil},
	apiext1 + "JSONSchemaPropsOrStringArray": {"Form::SchemaOrStringArray", nil},
	apiextb + "JSONSchemaPropsOrStringArray": {"Form::SchemaOrStringArray", nil},
}

var (
	jsonMarshaler = reflect.TypeOf((*interface{ MarshalJSON() ([]byte, error) })(nil)).Elem()
	textMarshaler = reflect.TypeOf((*interface{ MarshalText() ([]byte, error) })(nil)).Elem()
)

func fullName(t reflect.Type) string {
	if n, ok := describedNames[t]; ok {
		return n
	}
	return t.PkgPath() + "." + t.Name()
}

type field struct {
	json      string // name, "" for inline
	inline    bool
	skip      bool // json:"-": decoded, never written
	omitempty bool
	omitzero  bool
	number    int
	ty        string
}

type message struct {
	name   string
	form   string
	fields []field
}

type walker struct {
	index    map[reflect.Type]int
	messages []*message
	order    []reflect.Type
	problems []string
}

func (w *walker) fail(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

// msg registers a struct type; fields are filled later (references by
// index are resolved after sorting).
func (w *walker) msg(t reflect.Type) {
	if _, ok := w.index[t]; ok {
		return
	}
	w.index[t] = -1
	w.order = append(w.order, t)
	name := fullName(t)
	sp, isSpecial := specials[name]
	if !isSpecial && (t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) ||
		t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)) {
		w.fail("%s has its own MarshalJSON/MarshalText and no special form", name)
	}
	if isSpecial && sp.proto != nil {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		w.visitType(f.Type)
	}
}

func (w *walker) visitType(t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		w.visitType(t.Elem())
	case reflect.Map:
		w.visitType(t.Key())
		w.visitType(t.Elem())
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return
		}
		w.msg(t)
	}
}

// ty renders a Go type as a Rust Ty expression.
func (w *walker) ty(t reflect.Type, where string) string {
	if t.Kind() != reflect.Struct && t.Kind() != reflect.Pointer && (t.Implements(jsonMarshaler) || t.Implements(textMarshaler)) {
		w.fail("%s: %s has its own MarshalJSON/MarshalText", where, t)
	}
	switch t.Kind() {
	case reflect.Bool:
		return "Ty::Bool"
	case reflect.Int32:
		return "Ty::Int32"
	case reflect.Int64:
		return "Ty::Int64"
	case reflect.Uint32:
		return "Ty::Uint32"
	case reflect.Uint64:
		return "Ty::Uint64"
	case reflect.Float64:
		return "Ty::Float64"
	case reflect.String:
		return "Ty::String"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "Ty::Bytes"
		}
		if _, ok := reflect.PointerTo(t).MethodByName("Unmarshal"); ok && t.Name() != "" {
			// A named slice type that go-to-protobuf made a message of its
			// own (metav1.Verbs, authentication's ExtraValue: it has the
			// generated Unmarshal): `repeated items = 1`. Other named
			// slices are plain repeated fields.
			return "Ty::Items(&" + w.ty(t.Elem(), where) + ")"
		}
		return "Ty::List(&" + w.ty(t.Elem(), where) + ")"
	case reflect.Pointer:
		return "Ty::Ptr(&" + w.ty(t.Elem(), where) + ")"
	case reflect.Map:
		return "Ty::Map(&" + w.ty(t.Key(), where) + ", &" + w.ty(t.Elem(), where) + ")"
	case reflect.Struct:
		return fmt.Sprintf("Ty::Msg(%d)", w.index[t])
	}
	w.fail("%s: unsupported Go type %s", where, t)
	return "Ty::Unsupported"
}

func (w *walker) fill(m *message, t reflect.Type) {
	name := fullName(t)
	m.name = name
	m.form = "Form::Struct"
	sp, isSpecial := specials[name]
	if isSpecial {
		m.form = sp.form
		if sp.proto != nil {
			for _, p := range sp.proto {
				m.fields = append(m.fields, field{json: p.name, skip: true, number: p.number, ty: p.ty})
			}
			return
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		where := name + "." + f.Name
		var fl field
		jsonTag, hasJSON := f.Tag.Lookup("json")
		parts := strings.Split(jsonTag, ",")
		fl.json = parts[0]
		for _, o := range parts[1:] {
			switch o {
			case "omitempty":
				fl.omitempty = true
			case "omitzero":
				fl.omitzero = true
			case "inline", "":
			case "string":
				w.fail("%s: json ,string option", where)
			}
		}
		if !hasJSON || fl.json == "" {
			fl.json = ""
			if f.Anonymous {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					fl.inline = true
				}
			}
			if !fl.inline {
				fl.json = f.Name
			}
		}
		if jsonTag == "-" {
			fl.skip = true
		}
		if !f.IsExported() {
			fl.skip = true
		}
		pb := f.Tag.Get("protobuf")
		if fl.skip && pb == "" {
			continue
		}
		fl.ty = w.ty(f.Type, where)
		if pb != "" {
			p := strings.Split(pb, ",")
			if len(p) < 2 {
				w.fail("%s: protobuf tag %q", where, pb)
				continue
			}
			n, err := strconv.Atoi(p[1])
			if err != nil {
				w.fail("%s: protobuf tag %q", where, pb)
				continue
			}
			// The tag's wire-type word is not reliable (pointers to scalars
			// are tagged "bytes", *string fields "varint" in places);
			// generated.proto's types follow the Go types, so the wire type
			// is derived from the Go type on the Rust side.
			fl.number = n
		} else if f.Tag.Get("protobuf_oneof") != "" {
			w.fail("%s: oneof", where)
		}
		// A JSON-only field (no protobuf tag, number 0) stays zero after a
		// protobuf decode; it is kept so the JSON shape is Go's.
		m.fields = append(m.fields, fl)
	}
}

func flag(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func main() {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextv1.AddToScheme, apiextv1beta1.AddToScheme, addAPIRegistration} {
		if err := add(s); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	w := &walker{index: map[reflect.Type]int{}}
	known := s.AllKnownTypes()
	var gvks []schema.GroupVersionKind
	for gvk, t := range known {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		gvks = append(gvks, gvk)
		w.msg(t)
	}
	// Deterministic order: by full Go name.
	sort.Slice(w.order, func(i, j int) bool { return fullName(w.order[i]) < fullName(w.order[j]) })
	for i, t := range w.order {
		w.index[t] = i
	}
	for _, t := range w.order {
		m := &message{}
		w.fill(m, t)
		w.messages = append(w.messages, m)
	}
	if len(w.problems) > 0 {
		sort.Strings(w.problems)
		for _, p := range w.problems {
			fmt.Fprintln(os.Stderr, "k8sschema:", p)
		}
		os.Exit(1)
	}
	sort.Slice(gvks, func(i, j int) bool {
		a, b := gvks[i], gvks[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Kind < b.Kind
	})

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintln(out, "// Code generated by testdata/go/k8sschema from k8s.io/api, k8s.io/apimachinery, k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator 0.36; DO NOT EDIT.")
	fmt.Fprintln(out, "//")
	fmt.Fprintln(out, "// Read by reflection from the Go types registered in client-go's scheme and")
	fmt.Fprintln(out, "// apiextensions v1/v1beta1 (and from the apiregistration v1/v1beta1 structs the")
	fmt.Fprintln(out, "// generator declares in apiregistration.go, kube-aggregator not being among")
	fmt.Fprintln(out, "// its Go libraries): their `json` tags are types.go's, their `protobuf`")
	fmt.Fprintln(out, "// tags carry generated.proto's field numbers (wire types follow from the Go")
	fmt.Fprintln(out, "// types, as generated.proto's own types do). Fields are in Go struct order,")
	fmt.Fprintln(out, "// the order encoding/json writes them in.")
	fmt.Fprintln(out, "")
	fmt.Fprintln(out, "use crate::table::{Field, Form, Gvk, Message, Ty};")
	fmt.Fprintln(out, "")
	fmt.Fprintf(out, "/// Every message, sorted by Go type name; `Ty::Msg(i)` indexes this.\npub static MESSAGES: [Message; %d] = [\n", len(w.messages))
	for i, m := range w.messages {
		fmt.Fprintf(out, "    // %d\n    Message {\n        name: %q,\n        form: %s,\n        fields: &[\n", i, m.name, m.form)
		for _, f := range m.fields {
			fmt.Fprintf(out, "            Field { json: %q, inline: %s, skip: %s, omitempty: %s, omitzero: %s, number: %d, ty: %s },\n",
				f.json, flag(f.inline), flag(f.skip), flag(f.omitempty), flag(f.omitzero), f.number, f.ty)
		}
		fmt.Fprintf(out, "        ],\n    },\n")
	}
	fmt.Fprintln(out, "];")
	fmt.Fprintln(out, "")
	fmt.Fprintf(out, "/// Every registered kind (internal versions left out), sorted by group, version, kind.\npub static KINDS: [Gvk; %d] = [\n", len(gvks))
	for _, g := range gvks {
		fmt.Fprintf(out, "    Gvk { group: %q, version: %q, kind: %q, message: %d },\n", g.Group, g.Version, g.Kind, w.index[known[g]])
	}
	fmt.Fprintln(out, "];")
	// Kinds the scheme creates under any group and version.
	unversioned := map[string]int{}
	for _, g := range gvks {
		obj, err := s.New(g)
		if err != nil {
			continue
		}
		if u, ok := s.IsUnversioned(obj); ok && u {
			unversioned[g.Kind] = w.index[known[g]]
		}
	}
	var names []string
	for k := range unversioned {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintf(out, "\n/// Kinds registered as unversioned: any group and version names them.\npub static UNVERSIONED: [(&str, u16); %d] = [\n", len(names))
	for _, k := range names {
		fmt.Fprintf(out, "    (%q, %d),\n", k, unversioned[k])
	}
	fmt.Fprintln(out, "];")
	for _, n := range []string{metav1 + "TypeMeta"} {
		for i, m := range w.messages {
			if m.name == n {
				fmt.Fprintf(out, "\n/// metav1.TypeMeta, set from the envelope on the top-level object.\npub const TYPE_META: u16 = %d;\n", i)
			}
		}
	}
}
