// k8sfixture writes Kubernetes objects into a real etcd as kube-apiserver
// stores them, and records what the apiserver's own decoders make of
// them, so that etcdsnap's `k8s` commands can be compared with the real
// thing on the same snapshot.
//
// Built against Debian's Kubernetes 0.36 libraries and etcd 3.5.30's Go
// client (GOPATH mode, see testdata/scripts/install-oracles.sh).
//
// What it does, against the etcd at -endpoint:
//  1. For every kind registered in client-go's scheme (every version,
//     old ones too) and apiextensions' CustomResourceDefinition, fills
//     -per-kind objects with apimachinery's fuzzer and metafuzzer's funcs
//     (seeded by -seed), encodes each with the apiserver's protobuf
//     storage codec (the `k8s\0` envelope) and puts it under the
//     apiserver's key layout. Secrets are encrypted at rest: each with one
//     of three providers (aescbc, aesgcm, secretbox) through the
//     apiserver's own transformers; one carries a KMS v2 prefix no one
//     offline can open. A CRD and JSON custom resources are added too.
//  2. Updates a third of the objects (a new fill, same name), records
//     the revision as OLD, deletes a sixth and updates some more, then
//     compacts at OLD.
//  3. Saves a snapshot to -out/snapshot.db, writes -out/encryption.yaml
//     (every key, as an apiserver would hold them after rotations), and
//     for the head and for OLD, -out/expected-<rev>.jsonl: one line per
//     live key, {"key", "json"}, json being what the universal
//     deserializer decodes from the stored bytes (decrypted first),
//     printed by the JSON serializer, with resourceVersion set to the
//     key's mod revision as the apiserver sets it when it reads; and
//     -out/meta.json with the revisions and counts.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/meta"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	k8sjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apiserver/pkg/server/options/encryptionconfig"
	"k8s.io/apiserver/pkg/storage/value"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

type keyContext string

func (k keyContext) AuthenticatedData() []byte { return []byte(k) }

// Kinds that are not objects the apiserver stores (requests, reviews,
// subresources).
var notStored = map[string]bool{
	"Binding": true, "ComponentStatus": true, "DeploymentRollback": true, "Eviction": true,
	"LocalSubjectAccessReview": true, "PodStatusResult": true, "Scale": true,
	"SelfSubjectAccessReview": true, "SelfSubjectReview": true, "SelfSubjectRulesReview": true,
	"SerializedReference": true, "SubjectAccessReview": true, "TokenRequest": true,
	"TokenReview": true, "ResourcePoolStatusRequest": true,
}

// The apiserver's etcd paths that are not the plural resource name
// (kubernetes pkg/registry/*/storage and the storage factory).
var pathOf = map[string]string{
	"Service": "services/specs", "Endpoints": "services/endpoints", "Node": "minions",
	"ReplicationController": "controllers", "Ingress": "ingress",
	"RangeAllocation": "ranges", "CustomResourceDefinition": "apiextensions.k8s.io/customresourcedefinitions",
	"PodSecurityPolicy": "podsecuritypolicy",
}

var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "StorageClass": true, "CSIDriver": true, "CSINode": true,
	"VolumeAttachment": true, "PriorityClass": true, "RuntimeClass": true, "IngressClass": true,
	"FlowSchema": true, "PriorityLevelConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingWebhookConfiguration": true, "ValidatingAdmissionPolicy": true,
	"ValidatingAdmissionPolicyBinding": true, "MutatingAdmissionPolicy": true,
	"MutatingAdmissionPolicyBinding": true, "CertificateSigningRequest": true,
	"CustomResourceDefinition": true, "ClusterTrustBundle": true, "IPAddress": true,
	"ServiceCIDR": true, "DeviceClass": true, "DeviceTaintRule": true, "ResourceSlice": true,
	"StorageVersion": true, "StorageVersionMigration": true, "VolumeAttributesClass": true,
	"RangeAllocation": true, "PodSecurityPolicy": true,
}

func plural(kind string) string {
	if p, ok := pathOf[kind]; ok {
		return p
	}
	k := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(k, "y") && !strings.ContainsAny(k[len(k)-2:len(k)-1], "aeiou"):
		return k[:len(k)-1] + "ies"
	case strings.HasSuffix(k, "s") || strings.HasSuffix(k, "x") || strings.HasSuffix(k, "ch") || strings.HasSuffix(k, "sh"):
		return k + "es"
	}
	return k + "s"
}

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "k8sfixture: "+format+"\n", a...)
	os.Exit(1)
}

type obj struct {
	key   string
	gvk   schema.GroupVersionKind
	index int
}

// Fixed keys, so the fixture's encryption config is reproducible.
var keys = map[string]string{
	"aescbc":    base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x11}, 32)),
	"aesgcm":    base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x22}, 32)),
	"secretbox": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x33}, 32)),
}

func providerYAML(p string) string {
	return fmt.Sprintf("      - %s:\n          keys:\n            - name: %s-key\n              secret: %s\n", p, p, keys[p])
}

func config(providers ...string) string {
	s := "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n"
	for _, p := range providers {
		s += providerYAML(p)
	}
	return s + "      - identity: {}\n"
}

func main() {
	endpoint := flag.String("endpoint", "", "etcd client URL")
	out := flag.String("out", "", "output directory")
	seed := flag.Int64("seed", 1, "fuzzer seed")
	perKind := flag.Int("per-kind", 2, "objects per kind and version")
	bulk := flag.Int("bulk", 0, "benchmark mode: write this many objects of common kinds, save the snapshot, and stop")
	flag.Parse()
	if *endpoint == "" || *out == "" {
		die("usage: k8sfixture -endpoint URL -out DIR [-seed N] [-per-kind N]")
	}
	ctx := context.Background()

	sch := scheme.Scheme
	if err := apiextv1.AddToScheme(sch); err != nil {
		die("%v", err)
	}
	if err := apiextv1beta1.AddToScheme(sch); err != nil {
		die("%v", err)
	}
	codecs := serializer.NewCodecFactory(sch)
	pb := protobuf.NewSerializer(sch, sch)
	js := k8sjson.NewSerializerWithOptions(k8sjson.DefaultMetaFactory, sch, sch, k8sjson.SerializerOptions{})
	deser := codecs.UniversalDeserializer()
	// A depth bound: recursive types (JSONSchemaProps) would otherwise
	// grow without limit.
	f := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(*seed), codecs).MaxDepth(12)

	// Transformers: one per provider (what wrote each Secret), and one
	// holding every key (what reads them all back).
	if err := os.MkdirAll(*out, 0o755); err != nil {
		die("%v", err)
	}
	providers := []string{"aescbc", "aesgcm", "secretbox"}
	writeFile := func(name, text string) string {
		p := filepath.Join(*out, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			die("%v", err)
		}
		return p
	}
	load := func(path string) value.Transformer {
		c, err := encryptionconfig.LoadEncryptionConfig(ctx, path, false, "k8sfixture")
		if err != nil {
			die("%v", err)
		}
		return c.Transformers[schema.GroupResource{Resource: "secrets"}]
	}
	var writers []value.Transformer
	for _, p := range providers {
		writers = append(writers, load(writeFile("enc-"+p+".yaml", config(p))))
	}
	reader := load(writeFile("encryption.yaml", config(providers...)))
	for _, p := range providers {
		os.Remove(filepath.Join(*out, "enc-"+p+".yaml"))
	}

	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 10 * time.Second})
	if err != nil {
		die("%v", err)
	}
	defer cli.Close()

	var gvks []schema.GroupVersionKind
	for gvk := range sch.AllKnownTypes() {
		k := gvk.Kind
		if gvk.Version == runtime.APIVersionInternal || strings.HasSuffix(k, "List") || strings.HasSuffix(k, "Options") ||
			k == "WatchEvent" || k == "Status" || strings.HasPrefix(k, "APIGroup") || k == "APIResourceList" ||
			k == "APIVersions" || notStored[k] {
			continue
		}
		o, err := sch.New(gvk)
		if err != nil {
			continue
		}
		if _, err := meta.Accessor(o); err != nil {
			continue
		}
		gvks = append(gvks, gvk)
	}
	sort.Slice(gvks, func(i, j int) bool { return gvks[i].String() < gvks[j].String() })

	secrets := 0
	encode := func(gvk schema.GroupVersionKind, key string, o runtime.Object) []byte {
		var buf bytes.Buffer
		enc := codecs.EncoderForVersion(pb, gvk.GroupVersion())
		if err := enc.Encode(o, &buf); err != nil {
			die("encode %s: %v", gvk, err)
		}
		data := buf.Bytes()
		if gvk.Group == "" && gvk.Kind == "Secret" {
			w := writers[secrets%len(writers)]
			secrets++
			data, err = w.TransformToStorage(ctx, data, keyContext(key))
			if err != nil {
				die("encrypt: %v", err)
			}
		}
		return data
	}
	fill := func(gvk schema.GroupVersionKind, name, ns string) runtime.Object {
		o, _ := sch.New(gvk)
		f.Fill(o)
		m, _ := meta.Accessor(o)
		m.SetName(name)
		m.SetNamespace(ns)
		// What the apiserver clears before it stores an object.
		m.SetResourceVersion("")
		m.SetSelfLink("")
		return o
	}
	put := func(key string, data []byte) int64 {
		r, err := cli.Put(ctx, key, string(data))
		if err != nil {
			die("put %s: %v", key, err)
		}
		return r.Header.Revision
	}

	if *bulk > 0 {
		writeBulk(ctx, cli, *bulk, *out, func(gvk schema.GroupVersionKind, name, ns string) []byte {
			return encode(gvk, "", fill(gvk, name, ns))
		})
		return
	}

	var objs []obj
	for _, gvk := range gvks {
		for i := 0; i < *perKind; i++ {
			name := fmt.Sprintf("%s-%s-%d", strings.ToLower(gvk.Kind), strings.ReplaceAll(gvk.Version, ".", ""), i)
			ns := "ns" + fmt.Sprint(i%2)
			path := plural(gvk.Kind)
			key := "/registry/" + path + "/" + ns + "/" + name
			if clusterScoped[gvk.Kind] {
				ns = ""
				key = "/registry/" + path + "/" + name
			}
			put(key, encode(gvk, key, fill(gvk, name, ns)))
			objs = append(objs, obj{key: key, gvk: gvk, index: i})
		}
	}
	// A custom resource definition and its JSON objects.
	crd := &apiextv1.CustomResourceDefinition{}
	crd.Name = "crontabs.stable.example.com"
	crd.Spec.Group = "stable.example.com"
	crd.Spec.Scope = apiextv1.NamespaceScoped
	crd.Spec.Names = apiextv1.CustomResourceDefinitionNames{Plural: "crontabs", Singular: "crontab", Kind: "CronTab", ShortNames: []string{"ct"}, ListKind: "CronTabList"}
	crd.Spec.Versions = []apiextv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true}}
	crdGVK := apiextv1.SchemeGroupVersion.WithKind("CustomResourceDefinition")
	put("/registry/apiextensions.k8s.io/customresourcedefinitions/"+crd.Name, encode(crdGVK, "", crd))
	for i := 0; i < 3; i++ {
		cr := fmt.Sprintf(`{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"ct-%d","namespace":"ns0","uid":"u-%d","creationTimestamp":"2026-01-0%dT00:00:00Z","labels":{"app":"cron"}},"spec":{"cronSpec":"* * * * */%d","image":"img:%d","replicas":%d}}`, i, i, i+1, i+1, i, i)
		put(fmt.Sprintf("/registry/stable.example.com/crontabs/ns0/ct-%d", i), []byte(cr))
	}
	// Secrets with realistic data, each encrypted by the next provider (a
	// cluster whose keys were rotated holds all three).
	secretGVK := schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	for i := 0; i < 6; i++ {
		o, _ := sch.New(secretGVK)
		sec := o.(*corev1.Secret)
		sec.Name = fmt.Sprintf("db-password-%d", i)
		sec.Namespace = "ns1"
		sec.Type = corev1.SecretTypeOpaque
		sec.Data = map[string][]byte{"password": []byte(fmt.Sprintf("s3cret-%d", i)), "user": []byte("admin")}
		sec.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"v1","data":{"password":"czNjcmV0"},"kind":"Secret"}` + "\n"}
		key := "/registry/secrets/ns1/" + sec.Name
		put(key, encode(secretGVK, key, sec))
	}
	// A Secret a KMS plugin encrypted: no one offline can open it.
	put("/registry/secrets/ns0/kms-secret", []byte("k8s:enc:kms:v2:vault-plugin:\x0a\x10opaque-ciphertext"))

	r := rand.New(rand.NewSource(*seed))
	update := func(o obj) {
		ns := "ns" + fmt.Sprint(o.index%2)
		if clusterScoped[o.gvk.Kind] {
			ns = ""
		}
		name := o.key[strings.LastIndex(o.key, "/")+1:]
		put(o.key, encode(o.gvk, o.key, fill(o.gvk, name, ns)))
	}
	for _, o := range objs {
		if r.Intn(3) == 0 {
			update(o)
		}
	}
	status, err := cli.Get(ctx, "/registry/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		die("%v", err)
	}
	old := status.Header.Revision
	deleted := 0
	for _, o := range objs {
		switch r.Intn(6) {
		case 0:
			if _, err := cli.Delete(ctx, o.key); err != nil {
				die("%v", err)
			}
			deleted++
		case 1:
			update(o)
		}
	}
	if _, err := cli.Compact(ctx, old, clientv3.WithCompactPhysical()); err != nil {
		die("compact: %v", err)
	}

	// Expected outputs, read back through etcd itself.
	expected := func(rev int64) (int64, int, int) {
		opts := []clientv3.OpOption{clientv3.WithPrefix()}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := cli.Get(ctx, "/registry/", opts...)
		if err != nil {
			die("%v", err)
		}
		at := resp.Header.Revision
		if rev > 0 {
			at = rev
		}
		file, err := os.Create(filepath.Join(*out, fmt.Sprintf("expected-%d.jsonl", at)))
		if err != nil {
			die("%v", err)
		}
		defer file.Close()
		enc := json.NewEncoder(file)
		ok, unreadable := 0, 0
		for _, kv := range resp.Kvs {
			line := map[string]interface{}{"key": string(kv.Key)}
			data, _, err := reader.TransformFromStorage(ctx, kv.Value, keyContext(kv.Key))
			if err != nil {
				line["error"] = err.Error()
				unreadable++
			} else if bytes.HasPrefix(data, []byte("{")) {
				var v map[string]interface{}
				if err := json.Unmarshal(data, &v); err != nil {
					die("%s: %v", kv.Key, err)
				}
				if m, ok := v["metadata"].(map[string]interface{}); ok {
					m["resourceVersion"] = fmt.Sprint(kv.ModRevision)
				}
				line["json"] = v
				ok++
			} else {
				o, _, err := deser.Decode(data, nil, nil)
				if err != nil {
					die("%s: decode: %v", kv.Key, err)
				}
				m, _ := meta.Accessor(o)
				m.SetResourceVersion(fmt.Sprint(kv.ModRevision))
				var buf bytes.Buffer
				if err := js.Encode(o, &buf); err != nil {
					die("%s: json: %v", kv.Key, err)
				}
				line["json"] = json.RawMessage(bytes.TrimSpace(buf.Bytes()))
				ok++
			}
			if err := enc.Encode(line); err != nil {
				die("%v", err)
			}
		}
		return at, ok, unreadable
	}
	head, headOK, headBad := expected(0)
	_, oldOK, oldBad := expected(old)

	saveSnapshot(ctx, cli, filepath.Join(*out, "snapshot.db"))
	metaOut, _ := json.MarshalIndent(map[string]interface{}{
		"head": head, "old": old, "compacted": old, "kinds": len(gvks), "objects": len(objs),
		"deleted": deleted, "secrets_encrypted": secrets, "head_objects": headOK,
		"head_unreadable": headBad, "old_objects": oldOK, "old_unreadable": oldBad,
	}, "", "  ")
	writeFile("meta.json", string(metaOut)+"\n")
}

// writeBulk writes n objects of the kinds a cluster holds most of, in
// transactions of 100 puts, and saves the snapshot (benchmark input).
func writeBulk(ctx context.Context, cli *clientv3.Client, n int, out string, make func(schema.GroupVersionKind, string, string) []byte) {
	kinds := []struct {
		gvk  schema.GroupVersionKind
		path string
	}{
		{schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, "pods"},
		{schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, "configmaps"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Event"}, "events"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Service"}, "services/specs"},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}, "replicasets"},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "deployments"},
		{schema.GroupVersionKind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}, "leases"},
		{schema.GroupVersionKind{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice"}, "endpointslices"},
		{schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding"}, "rolebindings"},
		{schema.GroupVersionKind{Version: "v1", Kind: "ServiceAccount"}, "serviceaccounts"},
	}
	var ops []clientv3.Op
	flush := func() {
		if len(ops) == 0 {
			return
		}
		if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			die("txn: %v", err)
		}
		ops = ops[:0]
	}
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		ns := fmt.Sprintf("ns%d", i%50)
		name := fmt.Sprintf("obj-%d", i)
		ops = append(ops, clientv3.OpPut("/registry/"+k.path+"/"+ns+"/"+name, string(make(k.gvk, name, ns))))
		if len(ops) == 100 {
			flush()
		}
	}
	flush()
	if err := os.MkdirAll(out, 0o755); err != nil {
		die("%v", err)
	}
	saveSnapshot(ctx, cli, filepath.Join(out, "snapshot.db"))
}

// saveSnapshot streams etcd's snapshot (with its SHA-256 trailer, as
// etcdctl snapshot save writes it) into path.
func saveSnapshot(ctx context.Context, cli *clientv3.Client, path string) {
	snap, err := cli.Snapshot(ctx)
	if err != nil {
		die("snapshot: %v", err)
	}
	defer snap.Close()
	sf, err := os.Create(path)
	if err != nil {
		die("%v", err)
	}
	if _, err := sf.ReadFrom(snap); err != nil {
		die("snapshot: %v", err)
	}
	if err := sf.Close(); err != nil {
		die("%v", err)
	}
}
