// k8senc encrypts values as kube-apiserver stores them, with the
// apiserver's own encryption-at-rest code (k8s.io/apiserver 0.36):
// LoadEncryptionConfig on the given EncryptionConfiguration file, then the
// transformer of the given resource. It also decrypts, to check a value
// both ways.
//
// Usage: k8senc CONFIG [GROUP/]RESOURCE < lines
// Each input line is JSON {"key": "/registry/...", "plain": BASE64}; each
// output line {"key": ..., "stored": BASE64} (the bytes etcd would hold;
// the etcd key is the authenticated data, as the apiserver's store uses).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/server/options/encryptionconfig"
)

type keyContext string

func (k keyContext) AuthenticatedData() []byte { return []byte(k) }

type line struct {
	Key    string `json:"key"`
	Plain  []byte `json:"plain,omitempty"`
	Stored []byte `json:"stored,omitempty"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: k8senc CONFIG [GROUP/]RESOURCE < lines")
		os.Exit(2)
	}
	ctx := context.Background()
	cfg, err := encryptionconfig.LoadEncryptionConfig(ctx, os.Args[1], false, "k8senc")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gr := schema.GroupResource{Resource: os.Args[2]}
	if i := strings.Index(os.Args[2], "/"); i >= 0 {
		gr = schema.GroupResource{Group: os.Args[2][:i], Resource: os.Args[2][i+1:]}
	}
	t, ok := cfg.Transformers[gr]
	if !ok {
		fmt.Fprintf(os.Stderr, "no transformer for %v\n", gr)
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var l line
		if err := json.Unmarshal(in.Bytes(), &l); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		stored, err := t.TransformToStorage(ctx, l.Plain, keyContext(l.Key))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		back, _, err := t.TransformFromStorage(ctx, stored, keyContext(l.Key))
		if err != nil || string(back) != string(l.Plain) {
			fmt.Fprintf(os.Stderr, "round trip failed for %s: %v\n", l.Key, err)
			os.Exit(1)
		}
		if err := out.Encode(line{Key: l.Key, Stored: stored}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
