package vetfinding

import "testing"

func TestCounter(t *testing.T) {
	var c Counter
	c.Inc()
	c.Inc()
	if got := c.Value(); got != 2 {
		t.Errorf("Value() = %d, want 2", got)
	}
}
