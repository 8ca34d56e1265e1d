package failing

import "testing"

func TestShout(t *testing.T) {
	t.Log("failing: this line comes from t.Log")
	if got := Shout("hey"); got != "hey!" {
		t.Errorf("Shout(%q) = %q, want %q", "hey", got, "hey!")
	}
}

func TestDouble(t *testing.T) {
	if got := Double(2); got != 4 {
		t.Errorf("want 4, got %d", got)
	}
}

func TestSubtests(t *testing.T) {
	t.Run("passes", func(t *testing.T) {
		if got := Shout(""); got != "!" {
			t.Errorf("Shout(\"\") = %q, want %q", got, "!")
		}
	})
	t.Run("fails", func(t *testing.T) {
		if got := Double(0); got != 0 {
			t.Errorf("subtest: want 0, got %d", got)
		}
	})
}
