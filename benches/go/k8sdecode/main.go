// k8sdecode is the reference for `etcdsnap k8s get SRC -A -o json`: the
// same work done with Go's own libraries. It opens the snapshot read-only
// with Go bbolt, keeps the newest revision of every key under /registry/
// (a tombstone removes the key), decodes each value with client-go's
// universal deserializer (JSON values are passed through), and writes
// each object with the apiserver's JSON serializer to stdout.
//
// Usage: k8sdecode SNAPSHOT > /dev/null
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/mvccpb"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	k8sjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: k8sdecode SNAPSHOT")
		os.Exit(2)
	}
	sch := scheme.Scheme
	_ = apiextv1.AddToScheme(sch)
	deser := serializer.NewCodecFactory(sch).UniversalDeserializer()
	js := k8sjson.NewSerializerWithOptions(k8sjson.DefaultMetaFactory, sch, sch, k8sjson.SerializerOptions{})

	db, err := bolt.Open(os.Args[1], 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	latest := map[string]*mvccpb.KeyValue{}
	prefix := []byte("/registry/")
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("key"))
		if b == nil {
			return fmt.Errorf("no key bucket")
		}
		return b.ForEach(func(k, v []byte) error {
			var kv mvccpb.KeyValue
			if err := kv.Unmarshal(v); err != nil {
				return err
			}
			if !bytes.HasPrefix(kv.Key, prefix) {
				return nil
			}
			// A tombstone's revision key is 17 bytes ending in 't'.
			if len(k) == 18 && k[17] == 't' {
				delete(latest, string(kv.Key))
				return nil
			}
			latest[string(kv.Key)] = &kv
			return nil
		})
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	keys := make([]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	failed := 0
	for _, k := range keys {
		v := latest[k].Value
		if bytes.HasPrefix(v, []byte("{")) {
			out.Write(v)
			out.WriteByte('\n')
			continue
		}
		o, _, err := deser.Decode(v, nil, nil)
		if err != nil {
			failed++
			continue
		}
		if err := js.Encode(o, out); err != nil {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "k8sdecode: %d values not decoded\n", failed)
	}
}
