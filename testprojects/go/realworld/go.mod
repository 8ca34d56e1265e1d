// A real program for the third-party module tests (third_party_test.py): no module source is committed.
// The test serves Debian's golang-*-dev sources through a file GOPROXY and writes go.sum (and, for
// vendor mode, vendor/) at test time; Debian's sources are sometimes older than these requirements.
module example.com/realworld

go 1.27

require github.com/prometheus/client_golang v1.14.0

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.1.2 // indirect
	github.com/golang/protobuf v1.5.2 // indirect
	github.com/matttproud/golang_protobuf_extensions v1.0.4 // indirect
	github.com/prometheus/client_model v0.3.0 // indirect
	github.com/prometheus/common v0.39.0 // indirect
	github.com/prometheus/procfs v0.8.0 // indirect
	golang.org/x/sys v0.3.0 // indirect
	google.golang.org/protobuf v1.28.1 // indirect
)

replace (
	// A fork: the same code under another module path.
	github.com/beorn7/perks => example.com/fork/perks v1.0.1
	// Version replaces: one at a single version, the others at every version.
	github.com/cespare/xxhash/v2 v2.1.2 => github.com/cespare/xxhash/v2 v2.1.1
	github.com/golang/protobuf => github.com/golang/protobuf v1.3.5
	github.com/google/go-cmp => github.com/google/go-cmp v0.5.9
	github.com/matttproud/golang_protobuf_extensions => github.com/matttproud/golang_protobuf_extensions v1.0.1
)
