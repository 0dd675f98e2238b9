// Command k8sgolden writes, for every kind registered in client-go's scheme
// and apiextensions v1/v1beta1 (every version, old ones included), a few
// randomly filled objects as the API server stores them and as Go reads
// them back, one JSON line per object:
//
//	{"group":..,"version":..,"kind":..,"seed":N,"value_b64":..,"json_b64":..}
//
// value_b64 is the stored value: the protobuf storage serializer's `k8s\0`
// envelope, written through the codec factory's EncoderForVersion for the
// object's own version. json_b64 is what the universal deserializer makes
// of those bytes, written by apimachinery's JSON serializer (the bytes Go
// prints, newline trimmed). An object Go cannot encode or print carries
// "error" instead of json_b64.
//
// Objects are filled as Kubernetes' round-trip tests fill them
// (apitesting/fuzzer with metafuzzer.Funcs), plus fills of our own where
// the generic one makes values Go itself refuses to print (embedded JSON)
// or where more variety is wanted (quantity strings, managed fields).
//
// With -quantities it prints instead, one line per generated quantity
// string, what apimachinery makes of it: {"in":..,"json":..} with
// ParseQuantity then MarshalJSON, or {"in":..,"error":..}.
//
// With -decode it reads stored values (base64, one a line) on stdin and
// prints for each what Go makes of it: {"json_b64":..} or {"error":..}; the
// k8s crate's tests feed it damaged copies of real objects. Values are
// read as the API server's storage reads them (stored.go): protobuf by the
// universal deserializer, JSON of a built-in kind too, other JSON and CBOR
// as unstructured custom resources.
//
// With -forms it prints, for the same objects, their JSON- and
// CBOR-stored forms and Go's reading of each:
//
//	{"group":..,"version":..,"kind":..,"seed":N,"rv":..,"forms":[{"enc":"json"|"cbor","value_b64":..,"json_b64"|"error":..},..]}
//
// With -cr N it prints N random custom resources in the same shape, as
// JSON, as CBOR of many encodings, and as the CBOR serializer writes them.
// -rv R sets metadata.resourceVersion to R in what -decode, -forms and -cr
// print, as the API server does when it reads an object.
//
// Usage: k8sgolden [-seeds N] [-quantities] [-decode] [-forms] [-cr N] [-rv R]
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"sort"
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/resource"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/randfill"
)

// Quantity strings of every shape ParseQuantity takes: cached as given,
// canonicalised, rounded to nano units, capped, binary and decimal.
var quantityShapes = []string{
	"0", "1", "+5", "-7", "100m", "0.5", "1000", "1500m", "1.5", "1e3", "1E3", "12e-3",
	"1Ki", "1024Mi", "1025Mi", "8Gi", "1.5Gi", "0.1Ki", "16Ei", "1e7", "1.5n", "-1.5n",
	"0.0000000001", "12345678901234567890", "1000E", "100Ki", "1000k", "999999999999999999",
	"3.14159265358979", "-0", "007", "5M", "2T", "3P", "4E", "5u", "6n", "1e-9", "1e-10",
	"123456789012345678901234567890e-20", "9223372036854775807", "9223372036854775808Ki",
}

var schemaDepth int

// Floats on both sides of encoding/json's switch to exponent form.
var floatShapes = []float64{1e-7, 1e21, 1.5e300, -2.5e-10, 123456789012345678901234.0, 0.1,
	-0.000001, 999999999999999999999.0, 5e-324, 1.7976931348623157e308, 100, -3.25}

func edgeFloat(c randfill.Continue) *float64 {
	if c.Bool() {
		return nil
	}
	f := floatShapes[c.Intn(len(floatShapes))]
	if c.Bool() {
		f = c.NormFloat64() * []float64{1e-9, 1, 1e25}[c.Intn(3)]
	}
	return &f
}

func ourFuncs(codecs serializer.CodecFactory) []interface{} {
	rawJSON := func(c randfill.Continue) []byte {
		v := map[string]interface{}{}
		for i := 0; i < c.Intn(3); i++ {
			var x interface{}
			switch c.Intn(5) {
			case 0:
				x = c.String(0)
			case 1:
				x = c.Float64()
			case 2:
				x = c.Bool()
			case 3:
				x = []interface{}{c.String(0), int64(c.Int63())}
			default:
				x = nil
			}
			v[c.String(0)] = x
		}
		b, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			panic(err)
		}
		return b
	}
	return []interface{}{
		func(q *resource.Quantity, c randfill.Continue) {
			if c.Bool() {
				*q = *resource.NewQuantity(c.Int63n(1000), resource.DecimalExponent)
				return
			}
			s := quantityShapes[c.Intn(len(quantityShapes))]
			if c.Bool() {
				s = fmt.Sprintf("%d%s", c.Int63n(100000), []string{"", "m", "k", "Mi", "Gi", "u", "n", "e3", "Ki"}[c.Intn(9)])
			}
			p, err := resource.ParseQuantity(s)
			if err != nil {
				panic(err)
			}
			*q = p
		},
		func(f *metav1.FieldsV1, c randfill.Continue) {
			f.Raw = rawJSON(c)
		},
		func(e *metav1.ManagedFieldsEntry, c randfill.Continue) {
			c.FillNoCustom(e)
			if c.Bool() {
				e.FieldsV1 = &metav1.FieldsV1{Raw: rawJSON(c)}
			} else {
				e.FieldsV1 = nil
			}
		},
		func(r *metav1.OwnerReference, c randfill.Continue) {
			// Strings are not checked for UTF-8 on the way in or out:
			// invalid bytes must print as Go prints them.
			c.FillNoCustom(r)
			if c.Bool() {
				r.Name += "\xff\xf0\x9f\x98" + c.String(0) + "\x80"
			}
		},
		func(j *apiextv1.JSON, c randfill.Continue) { j.Raw = rawJSON(c) },
		func(j *apiextv1beta1.JSON, c randfill.Continue) { j.Raw = rawJSON(c) },
		func(p *apiextv1.JSONSchemaProps, c randfill.Continue) {
			schemaDepth++
			defer func() { schemaDepth-- }()
			if schemaDepth > 3 {
				*p = apiextv1.JSONSchemaProps{Type: c.String(0)}
				return
			}
			c.FillNoCustom(p)
			p.Maximum, p.Minimum, p.MultipleOf = edgeFloat(c), edgeFloat(c), edgeFloat(c)
		},
		func(p *apiextv1beta1.JSONSchemaProps, c randfill.Continue) {
			schemaDepth++
			defer func() { schemaDepth-- }()
			if schemaDepth > 3 {
				*p = apiextv1beta1.JSONSchemaProps{Type: c.String(0)}
				return
			}
			c.FillNoCustom(p)
			p.Maximum, p.Minimum, p.MultipleOf = edgeFloat(c), edgeFloat(c), edgeFloat(c)
		},
	}
}

// quantityLines prints ParseQuantity + MarshalJSON for strings of every
// shape: signs, leading zeros, long mantissas, fractions, every suffix,
// exponents, and malformed ones.
func quantityLines(out *bufio.Writer) {
	r := rand.New(rand.NewSource(1))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.Intn(10))
		}
		return string(b)
	}
	suffixes := []string{"", "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e", "E", "i", "K", "ki", "mi", "x"}
	enc := json.NewEncoder(out)
	for i := 0; i < 20000; i++ {
		var sb strings.Builder
		switch r.Intn(5) {
		case 0:
			sb.WriteString("-")
		case 1:
			sb.WriteString("+")
		}
		if r.Intn(4) == 0 {
			sb.WriteString(strings.Repeat("0", r.Intn(3)))
		}
		sb.WriteString(digits([]int{0, 1, 1, 2, 3, 5, 9, 15, 18, 19, 25}[r.Intn(11)]))
		if r.Intn(3) == 0 {
			sb.WriteString(".")
			sb.WriteString(digits(r.Intn(14)))
		}
		suf := suffixes[r.Intn(len(suffixes))]
		sb.WriteString(suf)
		if suf == "e" || suf == "E" {
			if r.Intn(5) > 0 {
				sb.WriteString(fmt.Sprint(r.Intn(61) - 30))
			}
		}
		in := sb.String()
		l := map[string]string{"in": in}
		q, err := resource.ParseQuantity(in)
		if err != nil {
			l["error"] = err.Error()
		} else {
			b, err := q.MarshalJSON()
			if err != nil {
				l["error"] = err.Error()
			} else {
				l["json"] = string(b)
			}
		}
		_ = enc.Encode(l)
	}
}

type line struct {
	Group    string `json:"group"`
	Version  string `json:"version"`
	Kind     string `json:"kind"`
	Seed     int    `json:"seed"`
	ValueB64 string `json:"value_b64,omitempty"`
	JSONB64  string `json:"json_b64,omitempty"`
	Error    string `json:"error,omitempty"`
}

func main() {
	seeds := flag.Int("seeds", 4, "objects per kind (seed 0: the zero object)")
	quantities := flag.Bool("quantities", false, "print quantity strings and their JSON instead")
	decodeStdin := flag.Bool("decode", false, "decode base64 values from stdin instead")
	forms := flag.Bool("forms", false, "print the JSON- and CBOR-stored forms instead")
	crs := flag.Int("cr", 0, "print this many random custom resources instead")
	rv := flag.String("rv", "", "resourceVersion to set on what -decode, -forms and -cr print")
	flag.Parse()
	if *quantities {
		out := bufio.NewWriter(os.Stdout)
		quantityLines(out)
		_ = out.Flush()
		return
	}

	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextv1.AddToScheme, apiextv1beta1.AddToScheme} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	codecs := serializer.NewCodecFactory(scheme)
	pb := protobuf.NewSerializer(scheme, scheme)
	js := jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme, scheme, jsonserializer.SerializerOptions{})
	decoder := codecs.UniversalDeserializer()
	store := newStorage(scheme, codecs, js)
	if *crs > 0 {
		out := bufio.NewWriter(os.Stdout)
		crLines(json.NewEncoder(out), store, *crs, *rv)
		_ = out.Flush()
		return
	}
	if *decodeStdin {
		in := bufio.NewScanner(os.Stdin)
		in.Buffer(make([]byte, 1<<20), 1<<28)
		out := bufio.NewWriter(os.Stdout)
		enc := json.NewEncoder(out)
		for in.Scan() {
			l := map[string]string{}
			b, err := base64.StdEncoding.DecodeString(in.Text())
			if err != nil {
				l["error"] = "base64: " + err.Error()
			} else if printed, err := store.decode(b, *rv); err != nil {
				l["error"] = err.Error()
			} else {
				l["json_b64"] = base64.StdEncoding.EncodeToString([]byte(printed))
			}
			_ = enc.Encode(l)
		}
		_ = out.Flush()
		return
	}

	var gvks []schema.GroupVersionKind
	for gvk := range scheme.AllKnownTypes() {
		if gvk.Version != runtime.APIVersionInternal {
			gvks = append(gvks, gvk)
		}
	}
	sort.Slice(gvks, func(i, j int) bool { return gvks[i].String() < gvks[j].String() })

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	if *forms {
		formsLines(enc, store, codecs, gvks, *seeds, *rv)
		return
	}
	for _, gvk := range gvks {
		for seed := 0; seed < *seeds; seed++ {
			l := line{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Seed: seed}
			obj, err := fuzzedObject(scheme, codecs, gvk, seed)
			if err != nil {
				l.Error = "new: " + err.Error()
				_ = enc.Encode(l)
				continue
			}
			var stored bytes.Buffer
			if err := codecs.EncoderForVersion(pb, gvk.GroupVersion()).Encode(obj, &stored); err != nil {
				l.Error = "encode: " + err.Error()
				_ = enc.Encode(l)
				continue
			}
			l.ValueB64 = base64.StdEncoding.EncodeToString(stored.Bytes())
			back, _, err := decoder.Decode(stored.Bytes(), nil, nil)
			if err != nil {
				l.Error = "decode: " + err.Error()
				_ = enc.Encode(l)
				continue
			}
			var printed bytes.Buffer
			if err := js.Encode(back, &printed); err != nil {
				l.Error = "json: " + err.Error()
				_ = enc.Encode(l)
				continue
			}
			l.JSONB64 = base64.StdEncoding.EncodeToString([]byte(strings.TrimSuffix(printed.String(), "\n")))
			_ = enc.Encode(l)
		}
	}
}

// fuzzedObject is a new object of kind gvk (apiVersion and kind set),
// filled by a fuzzer seeded from the kind and seed; seed 0 is the zero
// object.
func fuzzedObject(scheme *runtime.Scheme, codecs serializer.CodecFactory, gvk schema.GroupVersionKind, seed int) (runtime.Object, error) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", gvk.String(), seed)
	f := fuzzer.FuzzerFor(fuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, ourFuncs), rand.NewSource(int64(h.Sum64())), codecs)
	obj, err := scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	if seed > 0 {
		f.Fill(obj)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return obj, nil
}
