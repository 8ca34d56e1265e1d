package main

import (
	"bytes"
	"testing"
)

func TestRunRepeats(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-n", "2", "a", "b"}, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d, stderr %q", code, stderr.String())
	}
	if got, want := stdout.String(), "a b a b\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestRunRejectsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-n", "0", "a"}, &stdout, &stderr); code != 2 {
		t.Errorf("run exited %d, want 2", code)
	}
	if got, want := stderr.String(), "tool: -n must be at least 1, got 0\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}
