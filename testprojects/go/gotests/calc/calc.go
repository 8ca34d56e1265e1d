// Package calc is integer arithmetic, tested with table-driven internal tests, an external test package,
// a skipped test, a benchmark and examples.
package calc

import "errors"

// ErrDivideByZero is Div's error for a zero divisor.
var ErrDivideByZero = errors.New("calc: divide by zero")

func Add(a, b int) int { return a + b }

func Sub(a, b int) int { return a - b }

func Mul(a, b int) int { return a * b }

// Div is integer division truncated toward zero.
func Div(a, b int) (int, error) {
	if b == 0 {
		return 0, ErrDivideByZero
	}
	return a / b, nil
}

// abs is unexported, so only the internal tests reach it.
func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
