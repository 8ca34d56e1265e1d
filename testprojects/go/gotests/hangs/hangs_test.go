package hangs

import (
	"testing"
	"time"
)

func TestReady(t *testing.T) {
	if !Ready() {
		t.Error("Ready() = false")
	}
}

func TestHangs(t *testing.T) {
	// A sleeping goroutine, not a bare select {}: with no timer pending (go test -timeout=0) the runtime
	// would report select {} as a deadlock and exit, where this blocks until the test binary is killed.
	for {
		time.Sleep(time.Hour)
	}
}
