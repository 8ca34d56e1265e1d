package calc_test

import (
	"errors"
	"testing"

	"example.com/gotests/calc"
)

func TestDiv(t *testing.T) {
	if got, err := calc.Div(7, 2); err != nil || got != 3 {
		t.Errorf("Div(7, 2) = %d, %v; want 3, nil", got, err)
	}
	if got, err := calc.Div(-7, 2); err != nil || got != -3 {
		t.Errorf("Div(-7, 2) = %d, %v; want -3, nil", got, err)
	}
}

func TestDivByZero(t *testing.T) {
	if _, err := calc.Div(1, 0); !errors.Is(err, calc.ErrDivideByZero) {
		t.Errorf("Div(1, 0) error = %v, want %v", err, calc.ErrDivideByZero)
	}
}
