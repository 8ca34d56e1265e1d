//go:build amd64 || arm64

package asmsum

// Sum returns a+b, computed by sum_$GOARCH.s.
func Sum(a, b int64) int64
