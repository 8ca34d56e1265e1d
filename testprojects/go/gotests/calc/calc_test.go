package calc

import (
	"fmt"
	"testing"
)

func TestAdd(t *testing.T) {
	cases := []struct {
		name       string
		a, b, want int
	}{
		{"zero", 0, 0, 0},
		{"positive", 2, 3, 5},
		{"negative", -2, -3, -5},
		{"mixed", 7, -10, -3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Add(c.a, c.b); got != c.want {
				t.Errorf("Add(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestSubAndMul(t *testing.T) {
	cases := []struct {
		a, b, sub, mul int
	}{
		{6, 3, 3, 18},
		{-4, 5, -9, -20},
		{0, 9, -9, 0},
	}
	for _, c := range cases {
		if got := Sub(c.a, c.b); got != c.sub {
			t.Errorf("Sub(%d, %d) = %d, want %d", c.a, c.b, got, c.sub)
		}
		if got := Mul(c.a, c.b); got != c.mul {
			t.Errorf("Mul(%d, %d) = %d, want %d", c.a, c.b, got, c.mul)
		}
	}
}

func TestAbs(t *testing.T) {
	for n, want := range map[int]int{-3: 3, 0: 0, 4: 4} {
		if got := abs(n); got != want {
			t.Errorf("abs(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("calc: skipped on purpose")
}

// BenchmarkAdd runs only with -bench.
func BenchmarkAdd(b *testing.B) {
	sum := 0
	for i := 0; i < b.N; i++ {
		sum = Add(sum, i)
	}
	if b.N > 1 && sum == 0 {
		b.Fatalf("Add summed %d iterations to 0", b.N)
	}
}

func ExampleAdd() {
	fmt.Println(Add(2, 3))
	// Output: 5
}

// ExampleMul has no Output comment, so go test compiles it but does not run it: running it would fail.
func ExampleMul() {
	panic("calc: ExampleMul has no Output comment and must not run")
}
