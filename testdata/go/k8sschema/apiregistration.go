package main

// APIService (apiregistration.k8s.io v1 and v1beta1) is a kube-aggregator
// type, and k8s.io/kube-aggregator is not among the Go libraries this
// generator is built against. The structs below describe it instead: they
// are written here from the facts of kube-aggregator v0.36.2 (the release
// of Kubernetes 1.36), read in
//
//	pkg/apis/apiregistration/v1/types.go         field order, json tags
//	pkg/apis/apiregistration/v1/generated.proto  field numbers and types
//	pkg/apis/apiregistration/v1/register.go      kinds: APIService, APIServiceList,
//	                                             then metav1.AddToGroupVersion
//
// and the same three files under v1beta1, whose types are field for field
// those of v1 (only the package and the lifecycle comments differ). The
// structs are in types.go's field order, the order encoding/json writes
// them in. Their `protobuf` tags carry generated.proto's field numbers (6 of
// APIServiceSpec is unused: it was the removed `priority`). There is no Go
// oracle for these types here; the Rust tests that decode APIServices are
// built by hand from the same files and say so in their names.
//
// The walker names messages by Go type; these are renamed to the
// kube-aggregator types they stand for (see describedNames), so they sort
// and print as the real types would.

import (
	"reflect"

	apimetav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const (
	apiregGroup = "apiregistration.k8s.io"
	apiregPkg   = "k8s.io/kube-aggregator/pkg/apis/apiregistration/"
)

// ---- apiregistration.k8s.io/v1 ----

type apiregV1APIServiceList struct {
	apimetav1.TypeMeta `json:",inline"`
	apimetav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	Items              []apiregV1APIService `json:"items" protobuf:"bytes,2,rep,name=items"`
}

type apiregV1ServiceReference struct {
	Namespace string `json:"namespace,omitempty" protobuf:"bytes,1,opt,name=namespace"`
	Name      string `json:"name,omitempty" protobuf:"bytes,2,opt,name=name"`
	Port      *int32 `json:"port,omitempty" protobuf:"varint,3,opt,name=port"`
}

type apiregV1APIServiceSpec struct {
	Service               *apiregV1ServiceReference `json:"service,omitempty" protobuf:"bytes,1,opt,name=service"`
	Group                 string                    `json:"group,omitempty" protobuf:"bytes,2,opt,name=group"`
	Version               string                    `json:"version,omitempty" protobuf:"bytes,3,opt,name=version"`
	InsecureSkipTLSVerify bool                      `json:"insecureSkipTLSVerify,omitempty" protobuf:"varint,4,opt,name=insecureSkipTLSVerify"`
	CABundle              []byte                    `json:"caBundle,omitempty" protobuf:"bytes,5,opt,name=caBundle"`
	GroupPriorityMinimum  int32                     `json:"groupPriorityMinimum" protobuf:"varint,7,opt,name=groupPriorityMinimum"`
	VersionPriority       int32                     `json:"versionPriority" protobuf:"varint,8,opt,name=versionPriority"`
}

type apiregV1APIServiceCondition struct {
	Type               string         `json:"type" protobuf:"bytes,1,opt,name=type"`
	Status             string         `json:"status" protobuf:"bytes,2,opt,name=status"`
	LastTransitionTime apimetav1.Time `json:"lastTransitionTime,omitempty" protobuf:"bytes,3,opt,name=lastTransitionTime"`
	Reason             string         `json:"reason,omitempty" protobuf:"bytes,4,opt,name=reason"`
	Message            string         `json:"message,omitempty" protobuf:"bytes,5,opt,name=message"`
}

type apiregV1APIServiceStatus struct {
	Conditions []apiregV1APIServiceCondition `json:"conditions,omitempty" protobuf:"bytes,1,rep,name=conditions"`
}

type apiregV1APIService struct {
	apimetav1.TypeMeta   `json:",inline"`
	apimetav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	Spec                 apiregV1APIServiceSpec   `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	Status               apiregV1APIServiceStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// ---- apiregistration.k8s.io/v1beta1: the same shapes ----

type apiregV1beta1APIServiceList struct {
	apimetav1.TypeMeta `json:",inline"`
	apimetav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	Items              []apiregV1beta1APIService `json:"items" protobuf:"bytes,2,rep,name=items"`
}

type apiregV1beta1ServiceReference struct {
	Namespace string `json:"namespace,omitempty" protobuf:"bytes,1,opt,name=namespace"`
	Name      string `json:"name,omitempty" protobuf:"bytes,2,opt,name=name"`
	Port      *int32 `json:"port,omitempty" protobuf:"varint,3,opt,name=port"`
}

type apiregV1beta1APIServiceSpec struct {
	Service               *apiregV1beta1ServiceReference `json:"service,omitempty" protobuf:"bytes,1,opt,name=service"`
	Group                 string                         `json:"group,omitempty" protobuf:"bytes,2,opt,name=group"`
	Version               string                         `json:"version,omitempty" protobuf:"bytes,3,opt,name=version"`
	InsecureSkipTLSVerify bool                           `json:"insecureSkipTLSVerify,omitempty" protobuf:"varint,4,opt,name=insecureSkipTLSVerify"`
	CABundle              []byte                         `json:"caBundle,omitempty" protobuf:"bytes,5,opt,name=caBundle"`
	GroupPriorityMinimum  int32                          `json:"groupPriorityMinimum" protobuf:"varint,7,opt,name=groupPriorityMinimum"`
	VersionPriority       int32                          `json:"versionPriority" protobuf:"varint,8,opt,name=versionPriority"`
}

type apiregV1beta1APIServiceCondition struct {
	Type               string         `json:"type" protobuf:"bytes,1,opt,name=type"`
	Status             string         `json:"status" protobuf:"bytes,2,opt,name=status"`
	LastTransitionTime apimetav1.Time `json:"lastTransitionTime,omitempty" protobuf:"bytes,3,opt,name=lastTransitionTime"`
	Reason             string         `json:"reason,omitempty" protobuf:"bytes,4,opt,name=reason"`
	Message            string         `json:"message,omitempty" protobuf:"bytes,5,opt,name=message"`
}

type apiregV1beta1APIServiceStatus struct {
	Conditions []apiregV1beta1APIServiceCondition `json:"conditions,omitempty" protobuf:"bytes,1,rep,name=conditions"`
}

type apiregV1beta1APIService struct {
	apimetav1.TypeMeta   `json:",inline"`
	apimetav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	Spec                 apiregV1beta1APIServiceSpec   `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	Status               apiregV1beta1APIServiceStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// runtime.Object, so the kinds can be registered in the scheme like the
// others. The generator never copies an object; a shallow copy is enough.
func (in *apiregV1APIService) DeepCopyObject() runtime.Object          { c := *in; return &c }
func (in *apiregV1APIServiceList) DeepCopyObject() runtime.Object      { c := *in; return &c }
func (in *apiregV1beta1APIService) DeepCopyObject() runtime.Object     { c := *in; return &c }
func (in *apiregV1beta1APIServiceList) DeepCopyObject() runtime.Object { c := *in; return &c }

// describedNames maps each described struct to the kube-aggregator type it
// stands for.
var describedNames = map[reflect.Type]string{
	reflect.TypeOf(apiregV1APIService{}):               apiregPkg + "v1.APIService",
	reflect.TypeOf(apiregV1APIServiceCondition{}):      apiregPkg + "v1.APIServiceCondition",
	reflect.TypeOf(apiregV1APIServiceList{}):           apiregPkg + "v1.APIServiceList",
	reflect.TypeOf(apiregV1APIServiceSpec{}):           apiregPkg + "v1.APIServiceSpec",
	reflect.TypeOf(apiregV1APIServiceStatus{}):         apiregPkg + "v1.APIServiceStatus",
	reflect.TypeOf(apiregV1ServiceReference{}):         apiregPkg + "v1.ServiceReference",
	reflect.TypeOf(apiregV1beta1APIService{}):          apiregPkg + "v1beta1.APIService",
	reflect.TypeOf(apiregV1beta1APIServiceCondition{}): apiregPkg + "v1beta1.APIServiceCondition",
	reflect.TypeOf(apiregV1beta1APIServiceList{}):      apiregPkg + "v1beta1.APIServiceList",
	reflect.TypeOf(apiregV1beta1APIServiceSpec{}):      apiregPkg + "v1beta1.APIServiceSpec",
	reflect.TypeOf(apiregV1beta1APIServiceStatus{}):    apiregPkg + "v1beta1.APIServiceStatus",
	reflect.TypeOf(apiregV1beta1ServiceReference{}):    apiregPkg + "v1beta1.ServiceReference",
}

// addAPIRegistration registers the described kinds as kube-aggregator's
// register.go does: APIService and APIServiceList, then metav1's kinds
// (options, WatchEvent) under each group version.
func addAPIRegistration(s *runtime.Scheme) error {
	for _, v := range []struct {
		version    string
		item, list runtime.Object
	}{
		{"v1", &apiregV1APIService{}, &apiregV1APIServiceList{}},
		{"v1beta1", &apiregV1beta1APIService{}, &apiregV1beta1APIServiceList{}},
	} {
		gv := schema.GroupVersion{Group: apiregGroup, Version: v.version}
		s.AddKnownTypeWithName(gv.WithKind("APIService"), v.item)
		s.AddKnownTypeWithName(gv.WithKind("APIServiceList"), v.list)
		apimetav1.AddToGroupVersion(s, gv)
	}
	return nil
}
