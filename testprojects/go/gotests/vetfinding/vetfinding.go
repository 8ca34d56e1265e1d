// Package vetfinding compiles and passes its tests, but go vet's copylocks analyzer reports Value: its value
// receiver copies the mutex. (copylocks is not among the checks go test runs, unlike printf, so go test
// still passes.)
package vetfinding

import "sync"

type Counter struct {
	mu sync.Mutex
	n  int
}

func (c *Counter) Inc() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
}

func (c Counter) Value() int { return c.n }
