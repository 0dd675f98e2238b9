package main

// The other stored forms: built-in kinds written by the JSON storage
// serializer (--storage-media-type=application/json) and by apimachinery's
// CBOR serializer, and custom resources (random unstructured objects) as
// JSON and CBOR, each with what Go reads back, decoding as the API server's
// storage does:
//
//   - `k8s\0`: the universal deserializer (protobuf);
//   - CBOR (self-described tag): the CBOR serializer into an
//     unstructured.Unstructured, as the apiextensions storage codec does;
//   - JSON: the JSON serializer's meta factory reads apiVersion and kind;
//     a kind the scheme can create decodes through the universal
//     deserializer, any other into an unstructured.Unstructured with the
//     JSON serializer (custom resources).
//
// With -rv the decoded object gets metadata.resourceVersion as the API
// server's versioner sets it (objects and lists alike).

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/unstructuredscheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	cborserializer "k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

type storage struct {
	scheme    *runtime.Scheme
	universal runtime.Decoder
	js        runtime.Serializer
	crJSON    runtime.Serializer
	crCBOR    runtime.Serializer
	cbor      runtime.Serializer
}

func newStorage(scheme *runtime.Scheme, codecs serializer.CodecFactory, js runtime.Serializer) *storage {
	creator, typer := unstructuredscheme.NewUnstructuredCreator(), unstructuredscheme.NewUnstructuredObjectTyper()
	return &storage{
		scheme:    scheme,
		universal: codecs.UniversalDeserializer(),
		js:        js,
		crJSON:    jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, creator, typer, jsonserializer.SerializerOptions{}),
		crCBOR:    cborserializer.NewSerializer(creator, typer),
		cbor:      cborserializer.NewSerializer(scheme, scheme),
	}
}

var selfDescribedCBOR = []byte{0xd9, 0xd9, 0xf7}

// decode reads a stored value as the API server does and prints it.
func (s *storage) decode(b []byte, rv string) (string, error) {
	var obj runtime.Object
	var err error
	switch {
	case bytes.HasPrefix(b, []byte("k8s\x00")):
		obj, _, err = s.universal.Decode(b, nil, nil)
	case bytes.HasPrefix(b, selfDescribedCBOR):
		obj, _, err = s.crCBOR.Decode(b, nil, &unstructured.Unstructured{})
	default:
		var gvk *schema.GroupVersionKind
		gvk, err = jsonserializer.DefaultMetaFactory.Interpret(b)
		if err != nil {
			break
		}
		if _, newErr := s.scheme.New(*gvk); newErr == nil && gvk.Kind != "" {
			obj, _, err = s.universal.Decode(b, nil, nil)
		} else {
			obj, _, err = s.crJSON.Decode(b, nil, &unstructured.Unstructured{})
		}
	}
	if err != nil {
		return "", err
	}
	if rv != "" {
		if a, err := meta.Accessor(obj); err == nil {
			a.SetResourceVersion(rv)
		} else if l, err := meta.ListAccessor(obj); err == nil {
			l.SetResourceVersion(rv)
		}
	}
	var printed bytes.Buffer
	if err := s.js.Encode(obj, &printed); err != nil {
		return "", fmt.Errorf("json: %w", err)
	}
	return strings.TrimSuffix(printed.String(), "\n"), nil
}

type form struct {
	Enc      string `json:"enc"`
	ValueB64 string `json:"value_b64,omitempty"`
	JSONB64  string `json:"json_b64,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (s *storage) form(enc string, value []byte, rv string) form {
	f := form{Enc: enc, ValueB64: base64.StdEncoding.EncodeToString(value)}
	if out, err := s.decode(value, rv); err != nil {
		f.Error = err.Error()
	} else {
		f.JSONB64 = base64.StdEncoding.EncodeToString([]byte(out))
	}
	return f
}

type formsLine struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Seed    int    `json:"seed"`
	RV      string `json:"rv"`
	Forms   []form `json:"forms"`
	Error   string `json:"error,omitempty"`
}

// formsLines fills objects of every kind as the main mode does and prints
// their JSON- and CBOR-stored forms and Go's reading of them.
func formsLines(enc *json.Encoder, s *storage, codecs serializer.CodecFactory, gvks []schema.GroupVersionKind, seeds int, rv string) {
	for _, gvk := range gvks {
		for seed := 0; seed < seeds; seed++ {
			l := formsLine{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Seed: seed, RV: rv}
			obj, err := fuzzedObject(s.scheme, codecs, gvk, seed)
			if err != nil {
				l.Error = "new: " + err.Error()
				_ = enc.Encode(l)
				continue
			}
			for _, e := range []struct {
				name string
				ser  runtime.Serializer
			}{{"json", s.js}, {"cbor", s.cbor}} {
				var stored bytes.Buffer
				if err := codecs.EncoderForVersion(e.ser, gvk.GroupVersion()).Encode(obj, &stored); err != nil {
					l.Forms = append(l.Forms, form{Enc: e.name, Error: "encode: " + err.Error()})
					continue
				}
				l.Forms = append(l.Forms, s.form(e.name, stored.Bytes(), rv))
			}
			_ = enc.Encode(l)
		}
	}
}

// ---- random custom resources ----

// val is a random JSON/CBOR value: null, bool, int64, a uint64 past int64
// ('u'), float64, string (bytes, maybe not UTF-8), array or object.
type val struct {
	t    byte
	b    bool
	i    int64
	u    uint64
	f    float64
	s    string
	a    []val
	keys []string
}

var crStrings = []string{"", "a", "name", "kind", "<&>", "é", "日本", "😀", "\u2028\u2029", "\x01\x1f", "\"\\/", "\xff", "ab\xf0\x9f\x98", "\ufffd", "null", "0", "1e3", "metadata"}

type crGen struct{ r *rand.Rand }

func (g *crGen) str() string {
	if g.r.Intn(4) == 0 {
		n := g.r.Intn(12)
		b := make([]rune, n)
		for i := range b {
			b[i] = rune(32 + g.r.Intn(0x3000))
		}
		return string(b)
	}
	return crStrings[g.r.Intn(len(crStrings))]
}

var crFloats = []float64{0, 1, -1, 0.5, 1e-7, 1e21, 1e20, 123456789.125, -2.5e-300, 1.7976931348623157e308, 5e-324, math.Copysign(0, -1), 65504, 3.4028234663852886e38}

func (g *crGen) value(depth int) val {
	n := 8
	if depth > 4 {
		n = 6
	}
	switch g.r.Intn(n) {
	case 0:
		return val{t: 'n'}
	case 1:
		return val{t: 't', b: g.r.Intn(2) == 0}
	case 2:
		switch g.r.Intn(4) {
		case 0:
			return val{t: 'i', i: g.r.Int63() * []int64{1, -1}[g.r.Intn(2)]}
		case 1:
			return val{t: 'i', i: []int64{0, -1, 23, 24, 255, 256, 65535, 65536, math.MaxInt64, math.MinInt64, 1 << 32}[g.r.Intn(11)]}
		case 2:
			return val{t: 'u', u: uint64(math.MaxInt64) + 1 + uint64(g.r.Int63n(1000))}
		default:
			return val{t: 'i', i: int64(g.r.Intn(2000) - 1000)}
		}
	case 3:
		if g.r.Intn(2) == 0 {
			return val{t: 'f', f: crFloats[g.r.Intn(len(crFloats))]}
		}
		return val{t: 'f', f: g.r.NormFloat64() * []float64{1e-9, 1, 1e6, 1e30}[g.r.Intn(4)]}
	case 4, 5:
		return val{t: 's', s: g.str()}
	case 6:
		v := val{t: 'a'}
		for i := g.r.Intn(4); i > 0; i-- {
			v.a = append(v.a, g.value(depth+1))
		}
		return v
	default:
		return g.object(depth + 1)
	}
}

func (g *crGen) object(depth int) val {
	v := val{t: 'o'}
	seen := map[string]bool{}
	for i := g.r.Intn(5); i > 0; i-- {
		k := g.str()
		if seen[k] {
			continue
		}
		seen[k] = true
		v.keys = append(v.keys, k)
		v.a = append(v.a, g.value(depth))
	}
	return v
}

// top is a custom resource: apiVersion, kind and metadata, then random
// fields; now and then one of them missing or odd.
func (g *crGen) top() val {
	v := g.object(1)
	add := func(k string, x val) {
		for i, k2 := range v.keys {
			if k2 == k {
				v.a[i] = x
				return
			}
		}
		v.keys = append(v.keys, k)
		v.a = append(v.a, x)
	}
	switch g.r.Intn(12) {
	case 0:
	case 1:
		add("apiVersion", val{t: 's', s: "a/b/c"})
	case 2:
		add("apiVersion", val{t: 'i', i: 1})
	default:
		add("apiVersion", val{t: 's', s: []string{"example.com/v1", "v1", "example.com/v1beta1"}[g.r.Intn(3)]})
	}
	switch g.r.Intn(12) {
	case 0:
	case 1:
		add("kind", val{t: 's', s: ""})
	default:
		add("kind", val{t: 's', s: []string{"Widget", "Gadget", "Status"}[g.r.Intn(3)]})
	}
	switch g.r.Intn(6) {
	case 0:
	case 1:
		add("metadata", g.value(2))
	default:
		m := g.object(2)
		m.keys = append(m.keys, "name")
		m.a = append(m.a, val{t: 's', s: "w" + strconv.Itoa(g.r.Intn(100))})
		add("metadata", m)
	}
	return v
}

// ---- JSON, written in varied but valid ways ----

func (g *crGen) ws(b *bytes.Buffer) {
	if g.r.Intn(4) == 0 {
		b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[g.r.Intn(4)])
	}
}

func (g *crGen) jsonString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i]) // raw invalid byte: Go's scanner lets it through
			i++
			continue
		}
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || g.r.Intn(6) == 0:
			if r > 0xffff {
				r1, r2 := (r-0x10000)>>10+0xd800, (r-0x10000)&0x3ff+0xdc00
				fmt.Fprintf(b, "\\u%04x\\u%04X", r1, r2)
			} else if r == '\n' && g.r.Intn(2) == 0 {
				b.WriteString("\\n")
			} else if r == '/' {
				b.WriteString("\\/")
			} else {
				fmt.Fprintf(b, "\\u%04x", r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	if g.r.Intn(40) == 0 {
		b.WriteString("\\ud800") // a lone surrogate
	}
	b.WriteByte('"')
}

func (g *crGen) json(b *bytes.Buffer, v val) {
	g.ws(b)
	switch v.t {
	case 'n':
		b.WriteString("null")
	case 't':
		b.WriteString(strconv.FormatBool(v.b))
	case 'i':
		switch g.r.Intn(6) {
		case 0:
			b.WriteString(strconv.FormatInt(v.i, 10) + ".0")
		case 1:
			b.WriteString(strconv.FormatInt(v.i, 10) + "e0")
		default:
			b.WriteString(strconv.FormatInt(v.i, 10))
		}
	case 'u':
		b.WriteString(strconv.FormatUint(v.u, 10))
	case 'f':
		if v.f == 0 && math.Signbit(v.f) {
			b.WriteString([]string{"-0", "-0.0", "-0e5"}[g.r.Intn(3)])
			break
		}
		b.WriteString(strconv.FormatFloat(v.f, []byte{'g', 'e', 'f', 'E'}[g.r.Intn(4)], -1, 64))
	case 's':
		g.jsonString(b, v.s)
	case 'a':
		b.WriteByte('[')
		for i, x := range v.a {
			if i > 0 {
				b.WriteByte(',')
			}
			g.json(b, x)
		}
		g.ws(b)
		b.WriteByte(']')
	case 'o':
		b.WriteByte('{')
		first := true
		for i, k := range v.keys {
			if !first {
				b.WriteByte(',')
			}
			first = false
			if g.r.Intn(15) == 0 {
				// A duplicate first: the later value wins.
				g.ws(b)
				g.jsonString(b, k)
				b.WriteByte(':')
				g.json(b, g.value(3))
				b.WriteByte(',')
			}
			g.ws(b)
			g.jsonString(b, k)
			g.ws(b)
			b.WriteByte(':')
			g.json(b, v.a[i])
		}
		g.ws(b)
		b.WriteByte('}')
	}
	g.ws(b)
}

// ---- CBOR, written in varied ways (some of which Go refuses) ----

func cborHead(b *bytes.Buffer, major byte, n uint64, wide int) {
	switch {
	case wide == 0 && n < 24:
		b.WriteByte(major<<5 | byte(n))
	case wide <= 1 && n < 256:
		b.WriteByte(major<<5 | 24)
		b.WriteByte(byte(n))
	case wide <= 2 && n < 65536:
		b.WriteByte(major<<5 | 25)
		_ = binary.Write(b, binary.BigEndian, uint16(n))
	case wide <= 4 && n < 1<<32:
		b.WriteByte(major<<5 | 26)
		_ = binary.Write(b, binary.BigEndian, uint32(n))
	default:
		b.WriteByte(major<<5 | 27)
		_ = binary.Write(b, binary.BigEndian, n)
	}
}

func (g *crGen) head(b *bytes.Buffer, major byte, n uint64) {
	wide := 0
	if g.r.Intn(8) == 0 {
		wide = []int{1, 2, 4, 8}[g.r.Intn(4)]
	}
	cborHead(b, major, n, wide)
}

func (g *crGen) cborString(b *bytes.Buffer, s string, key bool) {
	major := byte(3)
	if g.r.Intn(4) == 0 || (!utf8.ValidString(s) && g.r.Intn(3) > 0) {
		major = 2
	}
	if g.r.Intn(10) == 0 {
		// Indefinite length, in chunks (a rune split across two is refused
		// in a text string).
		b.WriteByte(major<<5 | 31)
		for rest := s; ; {
			n := g.r.Intn(len(rest) + 1)
			g.head(b, major, uint64(n))
			b.WriteString(rest[:n])
			rest = rest[n:]
			if rest == "" {
				break
			}
		}
		b.WriteByte(0xff)
		return
	}
	g.head(b, major, uint64(len(s)))
	b.WriteString(s)
}

func f16bits(f float64) (uint16, bool) {
	f32 := float32(f)
	if float64(f32) != f {
		return 0, false
	}
	bits := math.Float32bits(f32)
	sign, exp, frac := uint16(bits>>16)&0x8000, int(bits>>23&0xff)-127, bits&0x7fffff
	switch {
	case f == 0:
		return sign, true
	case exp >= -14 && exp <= 15 && frac&0x1fff == 0:
		return sign | uint16(exp+15)<<10 | uint16(frac>>13), true
	case exp < -14 && exp >= -24:
		shift := uint(-14 - exp)
		m := (frac | 0x800000) >> 13
		if m&(1<<shift-1) != 0 {
			return 0, false
		}
		return sign | uint16(m>>shift), true
	}
	return 0, false
}

func (g *crGen) cbor(b *bytes.Buffer, v val) {
	if g.r.Intn(12) == 0 {
		// A tag standing for its content, or expecting an encoding of the
		// byte strings in it.
		g.head(b, 6, []uint64{55799, 1000, 21, 22, 23, 4, 1 << 40}[g.r.Intn(7)])
	}
	switch v.t {
	case 'n':
		if g.r.Intn(30) == 0 {
			b.WriteByte(0xf7) // undefined: refused
		} else {
			b.WriteByte(0xf6)
		}
	case 't':
		if v.b {
			b.WriteByte(0xf5)
		} else {
			b.WriteByte(0xf4)
		}
	case 'i':
		if g.r.Intn(10) == 0 {
			// The same number as a time tag, or a float.
			b.WriteByte(0xc1)
		}
		if v.i >= 0 {
			g.head(b, 0, uint64(v.i))
		} else {
			g.head(b, 1, uint64(-(v.i + 1)))
		}
	case 'u':
		g.head(b, 0, v.u)
	case 'f':
		if h, ok := f16bits(v.f); ok && g.r.Intn(2) == 0 {
			b.WriteByte(0xf9)
			_ = binary.Write(b, binary.BigEndian, h)
		} else if float64(float32(v.f)) == v.f && g.r.Intn(2) == 0 {
			b.WriteByte(0xfa)
			_ = binary.Write(b, binary.BigEndian, math.Float32bits(float32(v.f)))
		} else {
			b.WriteByte(0xfb)
			_ = binary.Write(b, binary.BigEndian, math.Float64bits(v.f))
		}
	case 's':
		if g.r.Intn(25) == 0 {
			b.WriteByte(0xc0)
			ts := []string{"2024-02-29T01:02:03Z", "2024-02-29T01:02:03.120+05:30", "1999-12-31T23:59:60Z", "2024-02-29T1:02:03,5Z", "0000-01-01T00:00:00-00:01"}[g.r.Intn(5)]
			g.head(b, 3, uint64(len(ts)))
			b.WriteString(ts)
			return
		}
		g.cborString(b, v.s, false)
	case 'a':
		indef := g.r.Intn(6) == 0
		if indef {
			b.WriteByte(0x9f)
		} else {
			g.head(b, 4, uint64(len(v.a)))
		}
		for _, x := range v.a {
			g.cbor(b, x)
		}
		if indef {
			b.WriteByte(0xff)
		}
	case 'o':
		indef := g.r.Intn(6) == 0
		n := len(v.keys)
		dup := n > 0 && g.r.Intn(40) == 0
		if dup {
			n++
		}
		if indef {
			b.WriteByte(0xbf)
		} else {
			g.head(b, 5, uint64(n))
		}
		for i, k := range v.keys {
			switch g.r.Intn(60) {
			case 0:
				// A key in a tag: a text key stands for itself under any
				// tag, even the time tag 0; byte strings under 21-23 are
				// encoded.
				g.head(b, 6, []uint64{55799, 21, 22, 23, 1000}[g.r.Intn(5)])
				g.cborString(b, k, true)
			case 1:
				b.WriteByte(0xc0)
				cborHead(b, 3, uint64(len(k)), 0)
				b.WriteString(k)
			case 2:
				b.WriteByte(0xf6) // null: the empty string
			case 3:
				g.head(b, 0, uint64(g.r.Intn(100))) // an integer: refused
			default:
				g.cborString(b, k, true)
			}
			g.cbor(b, v.a[i])
		}
		if dup {
			g.cborString(b, v.keys[0], true)
			b.WriteByte(0xf6)
		}
		if indef {
			b.WriteByte(0xff)
		}
	}
}

// crLines prints n random custom resources, each as JSON, as CBOR written
// here, and as the CBOR serializer writes Go's reading of the JSON.
func crLines(enc *json.Encoder, s *storage, n int, rv string) {
	g := &crGen{r: rand.New(rand.NewSource(7))}
	for i := 0; i < n; i++ {
		v := g.top()
		l := formsLine{Kind: "custom", Seed: i, RV: rv}
		var js bytes.Buffer
		g.json(&js, v)
		l.Forms = append(l.Forms, s.form("json", js.Bytes(), rv))
		var cb bytes.Buffer
		cb.Write(selfDescribedCBOR)
		g.cbor(&cb, v)
		l.Forms = append(l.Forms, s.form("cbor", cb.Bytes(), rv))
		u := &unstructured.Unstructured{}
		if _, _, err := s.crJSON.Decode(js.Bytes(), nil, u); err == nil {
			var canon bytes.Buffer
			if err := s.crCBOR.Encode(u, &canon); err == nil {
				l.Forms = append(l.Forms, s.form("cbor", canon.Bytes(), rv))
			}
		}
		_ = enc.Encode(l)
	}
}
