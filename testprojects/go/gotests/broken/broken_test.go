package broken

import "testing"

func TestValue(t *testing.T) {
	if Value() != undefinedInBrokenTest {
		t.Error("unreachable: this file does not compile")
	}
}
