"""A generated Go monorepo for bench/run's `scale` scenario.

`write(root)` puts the Go module `example.com/scale` under `root/scale/`: shared leaf packages (standard
library only), domain packages that each import the edited leaf and one or two others, feature packages
that each import three domain packages and a leaf (three of them serve HTTP), and main packages
`cmd/svcNN` that each import three features and a domain package, so the binaries share most packages
but not all, nor the same standard packages. Each library package is real, compiling code (a few hundred
lines, from the units below); the layout comes from a seeded generator, so every run writes the same bytes.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

MODULE = "example.com/scale"
MODULE_DIR = "scale"  # in the build root
LEAVES = ("textkit", "numkit", "idkit", "logkit")
# Imported by every domain package, so every binary reaches it: the scenario's edits go here.
EDITED_LEAF = "textkit"
DOMAINS = (
    "accounts", "billing", "catalog", "inventory", "orders", "payments", "pricing", "shipping",
    "reviews", "search", "users", "sessions", "notify", "reports", "audit", "metrics",
)
FEATURES = (
    "checkout", "storefront", "admin", "analytics", "fulfillment", "support",
    "marketing", "recommend", "loyalty", "fraud", "export", "gateway",
)
HTTP_FEATURES = frozenset({"storefront", "marketing", "export"})
BINARIES = tuple(f"svc{i + 1:02d}" for i in range(12))
UNITS_PER_PACKAGE = 5
_SEED = 20240611

# A tiny module built once before each cold sample, so the SDK and Pants' tools are in the store
# without any of the scale module's work.
PRIMER_DIR = "primer"
_PRIMER = {
    "go.mod": "module example.com/primer\n\ngo 1.27\n",
    "main.go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("primed")\n}\n',
    "BUILD": 'go_module(name="mod")\n\ngo_cross_binary(name="primer", platforms=["linux/amd64"])\n',
}
PRIMER_TARGET = f"{PRIMER_DIR}:primer"

# The copied pants.toml builds the plugin's own Python code too; here the plugin only runs.
_PANTS_RC = """\
# The plugin is loaded from pants-plugins/ (pythonpath); its sources are no targets of this repo.
[GLOBAL]
pants_ignore.add = ["/pants-plugins/"]
"""

# Library code, one file per unit. `@P@` is the package name, `@K@` a number that differs per package.
# Each unit adds notes to a package's Report through `note<Unit>`, which Process calls.
_UNITS: dict[str, str] = {}

_UNITS["registry"] = """\
package @P@

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ErrNotFound is returned for an unknown entry.
var ErrNotFound = errors.New("@P@: entry not found")

// Entry is one record of a Registry.
type Entry struct {
	ID     string
	Name   string
	Weight float64
	Tags   []string
}

// Registry is a concurrency-safe set of entries keyed by ID.
type Registry struct {
	mu    sync.RWMutex
	items map[string]*Entry
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{items: make(map[string]*Entry, @K@)}
}

// Put adds or replaces an entry, normalising its tags.
func (r *Registry) Put(e Entry) error {
	if strings.TrimSpace(e.ID) == "" {
		return errors.New("@P@: entry without ID")
	}
	tags := make([]string, 0, len(e.Tags))
	seen := make(map[string]bool, len(e.Tags))
	for _, t := range e.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	e.Tags = tags
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items[e.ID] = &e
	return nil
}

// Get returns the entry with the given ID.
func (r *Registry) Get(id string) (Entry, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.items[id]
	if !ok {
		return Entry{}, ErrNotFound
	}
	return *e, nil
}

// Delete removes an entry and reports whether it existed.
func (r *Registry) Delete(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.items[id]
	delete(r.items, id)
	return ok
}

// Len is the number of entries.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.items)
}

// Ranked returns the entries keep accepts (all if keep is nil) by descending weight, then by name.
func (r *Registry) Ranked(keep func(Entry) bool) []Entry {
	r.mu.RLock()
	out := make([]Entry, 0, len(r.items))
	for _, e := range r.items {
		if keep == nil || keep(*e) {
			out = append(out, *e)
		}
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// WithTag returns the IDs of the entries that carry tag, sorted.
func (r *Registry) WithTag(tag string) []string {
	tag = strings.ToLower(tag)
	var ids []string
	for _, e := range r.Ranked(func(e Entry) bool {
		i := sort.SearchStrings(e.Tags, tag)
		return i < len(e.Tags) && e.Tags[i] == tag
	}) {
		ids = append(ids, e.ID)
	}
	sort.Strings(ids)
	return ids
}

func (r *Report) noteRegistry(input string, words []string, values []float64) {
	reg := NewRegistry()
	for i, w := range words {
		_ = reg.Put(Entry{ID: fmt.Sprint(i), Name: w, Weight: values[i], Tags: []string{w[:1], Name}})
	}
	r.Notes = append(r.Notes, fmt.Sprintf("registry=%d tagged=%d", reg.Len(), len(reg.WithTag(Name))))
}
"""

_UNITS["stats"] = """\
package @P@

import (
	"fmt"
	"math"
	"sort"
)

// Summary describes a sample.
type Summary struct {
	Count              int
	Min, Max, Mean, SD float64
	P50, P90, P99      float64
}

// Summarize computes a Summary of values; an empty sample gives a zero Summary.
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	mean := sum / float64(len(sorted))
	var squares float64
	for _, v := range sorted {
		squares += (v - mean) * (v - mean)
	}
	return Summary{
		Count: len(sorted), Min: sorted[0], Max: sorted[len(sorted)-1], Mean: mean,
		SD:  math.Sqrt(squares / float64(len(sorted))),
		P50: percentile(sorted, 0.50), P90: percentile(sorted, 0.90), P99: percentile(sorted, 0.99),
	}
}

func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
	frac := pos - float64(lo)
	return sorted[lo]*(1-frac) + sorted[hi]*frac
}

// Histogram counts values into n equal-width buckets between their minimum and maximum.
func Histogram(values []float64, n int) []int {
	if n <= 0 {
		n = @K@%7 + 3
	}
	buckets := make([]int, n)
	if len(values) == 0 {
		return buckets
	}
	s := Summarize(values)
	width := (s.Max - s.Min) / float64(n)
	for _, v := range values {
		i := n - 1
		if width > 0 {
			i = int((v - s.Min) / width)
		}
		if i >= n {
			i = n - 1
		}
		buckets[i]++
	}
	return buckets
}

// MovingAverage smooths values over a window of w values.
func MovingAverage(values []float64, w int) []float64 {
	if w <= 0 || w > len(values) {
		return nil
	}
	out := make([]float64, 0, len(values)-w+1)
	var sum float64
	for i, v := range values {
		sum += v
		if i >= w {
			sum -= values[i-w]
		}
		if i >= w-1 {
			out = append(out, sum/float64(w))
		}
	}
	return out
}

func (r *Report) noteStats(input string, words []string, values []float64) {
	s := Summarize(values)
	r.Score += s.Mean
	r.Notes = append(r.Notes, fmt.Sprintf("p90=%.2f sd=%.2f hist=%v avg=%v", s.P90, s.SD, Histogram(values, 0), MovingAverage(values, 2)))
}
"""

_UNITS["kv"] = """\
package @P@

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ParseKV reads `key=value` pairs separated by commas or semicolons; values may be quoted.
func ParseKV(s string) (map[string]string, error) {
	out := make(map[string]string)
	for _, field := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		key, value, ok := strings.Cut(field, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("@P@: %q is not key=value", field)
		}
		value = strings.TrimSpace(value)
		if strings.HasPrefix(value, `"`) {
			unquoted, err := strconv.Unquote(value)
			if err != nil {
				return nil, fmt.Errorf("@P@: value of %s: %w", key, err)
			}
			value = unquoted
		}
		if _, dup := out[key]; dup {
			return nil, errors.New("@P@: duplicate key " + key)
		}
		out[key] = value
	}
	return out, nil
}

// FormatKV writes pairs in key order, quoting the values that need it.
func FormatKV(pairs map[string]string) string {
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		v := pairs[k]
		if strings.ContainsAny(v, ",;=\\" ") {
			v = strconv.Quote(v)
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// IntField reads an integer field, def when it is absent.
func IntField(pairs map[string]string, key string, def int) (int, error) {
	v, ok := pairs[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("@P@: %s: %w", key, err)
	}
	return n, nil
}

func (r *Report) noteKV(input string, words []string, values []float64) {
	pairs, err := ParseKV(input)
	if err != nil {
		pairs = map[string]string{"words": strconv.Itoa(len(words)), "package": Name}
	}
	n, _ := IntField(pairs, "words", @K@)
	r.Notes = append(r.Notes, FormatKV(pairs), strconv.Itoa(n))
}
"""

_UNITS["state"] = """\
package @P@

import "fmt"

// State is a step in the life of a work item.
type State int

// The states, in order.
const (
	Pending State = iota
	Active
	Suspended
	Done
	Failed
)

var stateNames = [...]string{"pending", "active", "suspended", "done", "failed"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Terminal reports whether no event leaves the state.
func (s State) Terminal() bool { return len(transitions[s]) == 0 }

// Event moves a Machine between states.
type Event string

var transitions = map[State]map[Event]State{
	Pending:   {"start": Active, "fail": Failed},
	Active:    {"pause": Suspended, "finish": Done, "fail": Failed},
	Suspended: {"resume": Active, "fail": Failed},
}

// Machine tracks one item's state and the states it went through.
type Machine struct {
	state   State
	history []State
}

// Current is the machine's state.
func (m *Machine) Current() State { return m.state }

// History is the states the machine left, in order.
func (m *Machine) History() []State { return append([]State(nil), m.history...) }

// Fire applies an event, or says why it does not apply.
func (m *Machine) Fire(e Event) error {
	next, ok := transitions[m.state][e]
	if !ok {
		return fmt.Errorf("@P@: event %q does not apply in state %s", e, m.state)
	}
	m.history = append(m.history, m.state)
	m.state = next
	return nil
}

// Replay fires events in order and stops at the first one that does not apply.
func Replay(events []Event) (*Machine, int, error) {
	m := &Machine{}
	for i, e := range events {
		if err := m.Fire(e); err != nil {
			return m, i, err
		}
	}
	return m, len(events), nil
}

func (r *Report) noteState(input string, words []string, values []float64) {
	events := []Event{"start"}
	for _, w := range words {
		switch {
		case len(w)%3 == 0:
			events = append(events, "pause", "resume")
		case len(w) > @K@%5+6:
			events = append(events, "finish")
		}
	}
	m, applied, err := Replay(events)
	if err != nil {
		r.Notes = append(r.Notes, err.Error())
	}
	r.Notes = append(r.Notes, fmt.Sprintf("state=%s after %d events (terminal %t, %d steps)", m.Current(), applied, m.Current().Terminal(), len(m.History())))
}
"""

_UNITS["text"] = """\
package @P@

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Tokenize splits text into lower-case words of letters and digits.
func Tokenize(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// WordCount is a word and how often it occurs.
type WordCount struct {
	Word  string
	Count int
}

// TopWords returns the n most frequent words (all if n < 0), ties broken alphabetically.
func TopWords(text string, n int) []WordCount {
	freq := make(map[string]int)
	for _, w := range Tokenize(text) {
		if len(w) > @K@%3+1 {
			freq[w]++
		}
	}
	out := make([]WordCount, 0, len(freq))
	for w, c := range freq {
		out = append(out, WordCount{w, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Word < out[j].Word
	})
	if n >= 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

// Wrap breaks text into lines of at most width runes, at spaces where it can.
func Wrap(text string, width int) []string {
	if width <= 0 {
		return []string{text}
	}
	var lines []string
	var line []rune
	for _, word := range strings.Fields(text) {
		w := []rune(word)
		if len(line) > 0 && len(line)+1+len(w) > width {
			lines = append(lines, string(line))
			line = line[:0]
		}
		for len(w) > width {
			lines = append(lines, string(w[:width]))
			w = w[width:]
		}
		if len(line) > 0 {
			line = append(line, ' ')
		}
		line = append(line, w...)
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// Slug turns a title into a URL path segment.
func Slug(title string) string {
	return strings.Join(Tokenize(title), "-")
}

func (r *Report) noteText(input string, words []string, values []float64) {
	for _, wc := range TopWords(input, 3) {
		r.Notes = append(r.Notes, fmt.Sprintf("%s×%d", wc.Word, wc.Count))
	}
	r.Notes = append(r.Notes, Slug(input), fmt.Sprint(len(Wrap(input, @K@%20+20))))
}
"""

_UNITS["matrix"] = """\
package @P@

import (
	"errors"
	"fmt"
	"math"
)

// Matrix is a dense row-major matrix.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix returns a zero matrix.
func NewMatrix(rows, cols int) *Matrix {
	return &Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// Identity returns the n×n identity matrix.
func Identity(n int) *Matrix {
	m := NewMatrix(n, n)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// At returns element (i, j).
func (m *Matrix) At(i, j int) float64 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j).
func (m *Matrix) Set(i, j int, v float64) { m.Data[i*m.Cols+j] = v }

// Mul returns the product m×o.
func (m *Matrix) Mul(o *Matrix) (*Matrix, error) {
	if m.Cols != o.Rows {
		return nil, errors.New("@P@: matrix shapes do not match")
	}
	out := NewMatrix(m.Rows, o.Cols)
	for i := 0; i < m.Rows; i++ {
		for k := 0; k < m.Cols; k++ {
			a := m.At(i, k)
			for j := 0; j < o.Cols; j++ {
				out.Data[i*out.Cols+j] += a * o.At(k, j)
			}
		}
	}
	return out, nil
}

// Transpose returns the transposed matrix.
func (m *Matrix) Transpose() *Matrix {
	out := NewMatrix(m.Cols, m.Rows)
	for i := 0; i < m.Rows; i++ {
		for j := 0; j < m.Cols; j++ {
			out.Set(j, i, m.At(i, j))
		}
	}
	return out
}

// Det is the determinant of a square matrix, by Gaussian elimination with partial pivoting.
func (m *Matrix) Det() (float64, error) {
	if m.Rows != m.Cols {
		return 0, errors.New("@P@: determinant of a non-square matrix")
	}
	n := m.Rows
	a := append([]float64(nil), m.Data...)
	det := 1.0
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r*n+c]) > math.Abs(a[p*n+c]) {
				p = r
			}
		}
		if a[p*n+c] == 0 {
			return 0, nil
		}
		if p != c {
			for j := 0; j < n; j++ {
				a[p*n+j], a[c*n+j] = a[c*n+j], a[p*n+j]
			}
			det = -det
		}
		det *= a[c*n+c]
		for r := c + 1; r < n; r++ {
			f := a[r*n+c] / a[c*n+c]
			for j := c; j < n; j++ {
				a[r*n+j] -= f * a[c*n+j]
			}
		}
	}
	return det, nil
}

func (r *Report) noteMatrix(input string, words []string, values []float64) {
	n := len(values)%4 + 2
	m := Identity(n)
	for i, v := range values {
		m.Set(i%n, (i+@K@)%n, v)
	}
	product, err := m.Mul(m.Transpose())
	if err != nil {
		r.Notes = append(r.Notes, err.Error())
		return
	}
	det, _ := product.Det()
	r.Notes = append(r.Notes, fmt.Sprintf("det=%.3g", det))
}
"""

_UNITS["lru"] = """\
package @P@

import (
	"container/list"
	"fmt"
)

// Cache is a least-recently-used cache with string keys.
type Cache[V any] struct {
	capacity int
	order    *list.List
	items    map[string]*list.Element
	hits     int
	misses   int
}

type cacheEntry[V any] struct {
	key   string
	value V
}

// NewCache returns a cache that holds at most capacity entries (a default when capacity <= 0).
func NewCache[V any](capacity int) *Cache[V] {
	if capacity <= 0 {
		capacity = 64 + @K@
	}
	return &Cache[V]{capacity: capacity, order: list.New(), items: make(map[string]*list.Element)}
}

// Get returns the cached value and marks it recently used.
func (c *Cache[V]) Get(key string) (V, bool) {
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		c.hits++
		return el.Value.(*cacheEntry[V]).value, true
	}
	c.misses++
	var zero V
	return zero, false
}

// Put stores a value, evicting the least recently used entry when the cache is full.
func (c *Cache[V]) Put(key string, value V) {
	if el, ok := c.items[key]; ok {
		el.Value.(*cacheEntry[V]).value = value
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry[V]{key, value})
	if c.order.Len() > c.capacity {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry[V]).key)
	}
}

// HitRate is the share of Get calls that found their key.
func (c *Cache[V]) HitRate() float64 {
	if c.hits+c.misses == 0 {
		return 0
	}
	return float64(c.hits) / float64(c.hits+c.misses)
}

// Len is the number of cached entries.
func (c *Cache[V]) Len() int { return c.order.Len() }

func (r *Report) noteLRU(input string, words []string, values []float64) {
	cache := NewCache[int](len(words)/2 + 1)
	for _, w := range words {
		n, _ := cache.Get(w)
		cache.Put(w, n+1)
	}
	r.Notes = append(r.Notes, fmt.Sprintf("cached=%d hit=%.2f", cache.Len(), cache.HitRate()))
}
"""

_UNITS["bitset"] = """\
package @P@

import (
	"math/bits"
	"strconv"
	"strings"
)

// Bitset is a growable set of small non-negative integers.
type Bitset struct{ words []uint64 }

// Add puts i in the set.
func (b *Bitset) Add(i int) {
	for i/64 >= len(b.words) {
		b.words = append(b.words, 0)
	}
	b.words[i/64] |= 1 << (uint(i) % 64)
}

// Has reports whether i is in the set.
func (b *Bitset) Has(i int) bool {
	return i/64 < len(b.words) && b.words[i/64]&(1<<(uint(i)%64)) != 0
}

// Remove takes i out of the set.
func (b *Bitset) Remove(i int) {
	if i/64 < len(b.words) {
		b.words[i/64] &^= 1 << (uint(i) % 64)
	}
}

// Count is the number of members.
func (b *Bitset) Count() int {
	n := 0
	for _, w := range b.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// Union returns the members of either set.
func (b *Bitset) Union(o *Bitset) *Bitset {
	out := &Bitset{words: append([]uint64(nil), b.words...)}
	for i, w := range o.words {
		if i < len(out.words) {
			out.words[i] |= w
		} else {
			out.words = append(out.words, w)
		}
	}
	return out
}

// Intersect returns the members of both sets.
func (b *Bitset) Intersect(o *Bitset) *Bitset {
	n := min(len(b.words), len(o.words))
	out := &Bitset{words: make([]uint64, n)}
	for i := 0; i < n; i++ {
		out.words[i] = b.words[i] & o.words[i]
	}
	return out
}

// String lists the members, e.g. {1 5 64}.
func (b *Bitset) String() string {
	var parts []string
	for i, w := range b.words {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			parts = append(parts, strconv.Itoa(i*64+t))
			w &^= 1 << uint(t)
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func (r *Report) noteBitset(input string, words []string, values []float64) {
	var lengths, initials Bitset
	for _, w := range words {
		lengths.Add(len(w))
		initials.Add(int(w[0]) % (@K@ + 64))
	}
	both := lengths.Intersect(&initials)
	r.Notes = append(r.Notes, lengths.String(), strconv.Itoa(lengths.Union(&initials).Count()), strconv.FormatBool(both.Has(3)))
}
"""

_UNITS["queue"] = """\
package @P@

import (
	"container/heap"
	"errors"
	"strings"
)

// Task is a unit of work with a priority; lower priorities run first.
type Task struct {
	ID       string
	Priority int
	Cost     float64
	index    int
}

type taskHeap []*Task

func (h taskHeap) Len() int { return len(h) }

func (h taskHeap) Less(i, j int) bool {
	if h[i].Priority != h[j].Priority {
		return h[i].Priority < h[j].Priority
	}
	return h[i].ID < h[j].ID
}

func (h taskHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *taskHeap) Push(x any) {
	t := x.(*Task)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// ErrBudget is returned when the next task costs more than the budget has left.
var ErrBudget = errors.New("@P@: budget exhausted")

// Scheduler hands out tasks by priority within a cost budget.
type Scheduler struct {
	tasks  taskHeap
	budget float64
}

// NewScheduler returns a scheduler with the given budget.
func NewScheduler(budget float64) *Scheduler { return &Scheduler{budget: budget} }

// Add queues a task.
func (s *Scheduler) Add(t *Task) { heap.Push(&s.tasks, t) }

// Reprioritise changes a queued task's priority.
func (s *Scheduler) Reprioritise(t *Task, priority int) {
	if t.index >= 0 && t.index < len(s.tasks) && s.tasks[t.index] == t {
		t.Priority = priority
		heap.Fix(&s.tasks, t.index)
	}
}

// Next returns the most urgent task if the budget allows it, nil if none is queued.
func (s *Scheduler) Next() (*Task, error) {
	if len(s.tasks) == 0 {
		return nil, nil
	}
	if s.tasks[0].Cost > s.budget {
		return nil, ErrBudget
	}
	t := heap.Pop(&s.tasks).(*Task)
	s.budget -= t.Cost
	return t, nil
}

// Drain takes tasks until the queue or the budget is empty and returns their IDs in order.
func (s *Scheduler) Drain() []string {
	var ids []string
	for {
		t, err := s.Next()
		if t == nil || err != nil {
			return ids
		}
		ids = append(ids, t.ID)
	}
}

func (r *Report) noteQueue(input string, words []string, values []float64) {
	s := NewScheduler(float64(len(words)*(@K@%3+1)) / 2)
	var first *Task
	for i, w := range words {
		t := &Task{ID: w, Priority: i % 4, Cost: values[i] / 4}
		if first == nil {
			first = t
		}
		s.Add(t)
	}
	if first != nil {
		s.Reprioritise(first, 9)
	}
	r.Notes = append(r.Notes, strings.Join(s.Drain(), " "))
}
"""

_UNITS["document"] = """\
package @P@

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Document is the JSON form of a record this package exchanges.
type Document struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	Version  int               `json:"version"`
	Labels   map[string]string `json:"labels,omitempty"`
	Children []Document        `json:"children,omitempty"`
}

// DecodeDocument parses and validates a document.
func DecodeDocument(data []byte) (Document, error) {
	var d Document
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("@P@: decoding a document: %w", err)
	}
	return d, d.Validate()
}

// Validate checks the document and its children.
func (d Document) Validate() error {
	if d.ID == "" {
		return errors.New("@P@: document without id")
	}
	if d.Version < 1 || d.Version > @K@+10 {
		return fmt.Errorf("@P@: document %s: unsupported version %d", d.ID, d.Version)
	}
	for i, c := range d.Children {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("child %d of %s: %w", i, d.ID, err)
		}
	}
	return nil
}

// Encode writes the document as indented JSON.
func (d Document) Encode() ([]byte, error) {
	return json.MarshalIndent(d, "", "  ")
}

// Walk visits the document and its descendants depth-first.
func (d Document) Walk(visit func(depth int, d Document)) {
	var walk func(int, Document)
	walk = func(depth int, d Document) {
		visit(depth, d)
		for _, c := range d.Children {
			walk(depth+1, c)
		}
	}
	walk(0, d)
}

// LabelKeys returns the label keys used anywhere in the tree, sorted.
func (d Document) LabelKeys() []string {
	seen := map[string]bool{}
	d.Walk(func(_ int, d Document) {
		for k := range d.Labels {
			seen[k] = true
		}
	})
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (r *Report) noteDocument(input string, words []string, values []float64) {
	doc := Document{ID: Name, Kind: "report", Version: 1, Labels: map[string]string{"digest": fmt.Sprint(r.Digest)}}
	for i, w := range words {
		doc.Children = append(doc.Children, Document{ID: w, Kind: "word", Version: 1 + i%2, Labels: map[string]string{"n": fmt.Sprint(i)}})
	}
	data, err := doc.Encode()
	if err == nil {
		_, err = DecodeDocument(data)
	}
	if err != nil {
		r.Notes = append(r.Notes, err.Error())
		return
	}
	r.Notes = append(r.Notes, fmt.Sprintf("json=%dB labels=%v", len(data), doc.LabelKeys()))
}
"""

# Only for feature packages in HTTP_FEATURES, which always have the registry unit.
_HANDLER = """\
package @P@

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Handler serves a registry over HTTP: GET /items?tag=&limit=, GET /items/{id} and GET /healthz.
func Handler(reg *Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\\n"))
	})
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		limit := @K@ + 10
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be a positive integer"})
				return
			}
			limit = n
		}
		tag := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("tag")))
		items := reg.Ranked(func(e Entry) bool { return tag == "" || slices.Contains(e.Tags, tag) })
		if len(items) > limit {
			items = items[:limit]
		}
		writeJSON(w, http.StatusOK, items)
	})
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		e, err := reg.Get(r.PathValue("id"))
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, e)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
"""

_NOTE_FUNCTIONS = {
    "registry": "noteRegistry", "stats": "noteStats", "kv": "noteKV", "state": "noteState", "text": "noteText",
    "matrix": "noteMatrix", "lru": "noteLRU", "bitset": "noteBitset", "queue": "noteQueue",
    "document": "noteDocument",
}

# The line of the edited leaf's Normalize that the body edits rewrite or add a line after. Normalize is
# too large for the compiler to inline, so rewriting it changes the leaf's object code but not its
# export data.
_LIMIT_LINE = re.compile(r"^\tlimit := \d+$", re.M)


@dataclass(frozen=True)
class Package:
    name: str
    dir: str  # relative to the module
    layer: str  # leaf, domain, feature or command
    key: int  # varies the constants in the package's code
    imports: tuple["Package", ...]  # the module's packages it imports
    units: tuple[str, ...]  # _UNITS keys (library packages), plus "handler"

    @property
    def import_path(self) -> str:
        return f"{MODULE}/{self.dir}"


def packages() -> tuple[Package, ...]:
    """The module's packages, leaves first and commands last; the same on every call."""
    rng = random.Random(_SEED)
    unit_names = sorted(_UNITS)

    def units(handler: bool) -> tuple[str, ...]:
        chosen = rng.sample(unit_names, UNITS_PER_PACKAGE)
        if handler and "registry" not in chosen:
            chosen[0] = "registry"
        return (*sorted(chosen), *(("handler",) if handler else ()))

    key = iter(range(1, 1000))
    leaves = [Package(n, f"lib/{n}", "leaf", next(key), (), units(False)) for n in LEAVES]
    edited = leaves[LEAVES.index(EDITED_LEAF)]
    others = [p for p in leaves if p is not edited]
    domains = [
        Package(n, f"domain/{n}", "domain", next(key), (edited, *rng.sample(others, rng.choice((1, 2)))), units(False))
        for n in DOMAINS
    ]
    features = [
        Package(n, f"feature/{n}", "feature", next(key), (*rng.sample(domains, 3), rng.choice(others)), units(n in HTTP_FEATURES))
        for n in FEATURES
    ]
    commands = [
        Package(
            name, f"cmd/{name}", "command", next(key),
            (features[i], features[(i + 3) % len(features)], features[(i + 7) % len(features)], domains[i * 5 % len(domains)]),
            (),
        )
        for i, name in enumerate(BINARIES)
    ]
    return (*leaves, *domains, *features, *commands)


def _api(p: Package) -> str:
    imports = "".join(f'\t"{path}"\n' for path in sorted(d.import_path for d in p.imports))
    imports = '\t"fmt"\n\t"strings"\n' + (f"\n{imports}" if imports else "")
    deps = ", ".join(f"{d.name}.Name" for d in p.imports)
    describe = f'Name + "(" + strings.Join([]string{{{deps}}}, ",") + ")"' if p.imports else "Name"
    dep_scores = "".join(f"\ts += {d.name}.Score(values) / {i + 2}\n" for i, d in enumerate(p.imports))
    notes = "".join(f"\tr.{_NOTE_FUNCTIONS[u]}(input, words, values)\n" for u in p.units if u in _NOTE_FUNCTIONS)
    dep_reports = "".join(
        f"\tif dr, err := {d.name}.Process(input); err == nil {{\n"
        f"\t\tr.Score += dr.Score / {10 * (i + 1)}\n"
        f'\t\tr.Notes = append(r.Notes, fmt.Sprintf("%s:%x", {d.name}.Name, {d.name}.Digest([]byte({d.name}.Normalize(input)))))\n'
        "\t}\n"
        for i, d in enumerate(p.imports)
    )
    return f"""\
// Package {p.name} is a {p.layer} package of the scale benchmark's generated monorepo.
package {p.name}

import (
{imports})

// Name is the package's name in reports.
const Name = "{p.name}"

// Report is what Process found in its input.
type Report struct {{
	Package string
	Tokens  int
	Digest  uint64
	Score   float64
	Notes   []string
}}

// Digest hashes data with FNV-1a from a per-package basis.
func Digest(data []byte) uint64 {{
	h := uint64(14695981039346656037) ^ {p.key}
	for _, b := range data {{
		h ^= uint64(b)
		h *= 1099511628211
	}}
	return h
}}

// Normalize lower-cases s, turns each run of other characters than letters and digits into one dash
// and keeps at most limit bytes.
func Normalize(s string) string {{
	limit := 4096
	var b strings.Builder
	b.Grow(min(len(s), limit))
	dash := false
	for _, r := range strings.ToLower(s) {{
		if b.Len() >= limit {{
			break
		}}
		switch {{
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r >= 0x80 && !dash && b.Len() > 0:
			b.WriteString("-u")
			dash = true
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}}
	}}
	return strings.TrimSuffix(b.String(), "-")
}}

// Describe names the package and the packages it builds on.
func Describe() string {{
	return {describe}
}}

// Score weighs values by their position and adds the scores of the packages this one builds on.
func Score(values []float64) float64 {{
	s := 0.0
	for i, v := range values {{
		s += v * float64(i%{p.key % 5 + 2}+1)
	}}
{dep_scores}	return s
}}

// Process reads words from input and reports on them, with what the packages below make of it.
func Process(input string) (Report, error) {{
	words := strings.Split(Normalize(input), "-")
	if len(words) == 1 && words[0] == "" {{
		return Report{{}}, fmt.Errorf("%s: no words in %q", Name, input)
	}}
	values := make([]float64, len(words))
	for i, w := range words {{
		values[i] = float64(len(w))
	}}
	r := Report{{Package: Name, Tokens: len(words), Digest: Digest([]byte(input)), Score: Score(values)}}
{notes}{dep_reports}	return r, nil
}}
"""


def _command(p: Package) -> str:
    served = next((d for d in p.imports if d.name in HTTP_FEATURES), None)
    std = ["encoding/json", "flag", "fmt", "os", "strings"] + (["log", "net/http"] if served else [])
    imports = "".join(f'\t"{s}"\n' for s in sorted(std)) + "\n" + "".join(f'\t"{path}"\n' for path in sorted(d.import_path for d in p.imports))
    flags = (
        f'\tserve := flag.String("serve", "", "serve {served.name}\'s registry on this address instead")\n' if served else ""
    )
    serve = (
        "\tif *serve != \"\" {\n"
        f"\t\treg := {served.name}.NewRegistry()\n"
        f"\t\tcheck(reg.Put({served.name}.Entry{{ID: \"1\", Name: input, Weight: 1}}))\n"
        f"\t\tlog.Fatal(http.ListenAndServe(*serve, {served.name}.Handler(reg)))\n"
        "\t}\n"
        if served
        else ""
    )
    runs = "".join(
        f"\tr{i}, err := {d.name}.Process(input)\n"
        "\tcheck(err)\n"
        f"\tresults = append(results, result{{r{i}.Package, r{i}.Tokens, r{i}.Score, r{i}.Notes}})\n"
        for i, d in enumerate(p.imports)
    )
    return f"""\
// Command {p.name} runs {", ".join(d.name for d in p.imports)} on its arguments and prints their reports as JSON.
package main

import (
{imports})

type result struct {{
	Package string   `json:"package"`
	Tokens  int      `json:"tokens"`
	Score   float64  `json:"score"`
	Notes   []string `json:"notes"`
}}

func check(err error) {{
	if err != nil {{
		fmt.Fprintln(os.Stderr, "{p.name}:", err)
		os.Exit(1)
	}}
}}

func main() {{
{flags}	flag.Parse()
	input := strings.Join(flag.Args(), " ")
	if input == "" {{
		input = "the quick brown fox jumps over the lazy dog, twice; then sleeps"
	}}
{serve}	var results []result
{runs}	out, err := json.MarshalIndent(results, "", "  ")
	check(err)
	fmt.Println(string(out))
}}
"""


def files() -> dict[str, str]:
    """The module's files, by path relative to the module (scale/ in the build root)."""
    out = {"go.mod": f"module {MODULE}\n\ngo 1.27\n"}
    build = ['go_module(name="mod")\n']
    for p in packages():
        if p.layer == "command":
            out[f"{p.dir}/main.go"] = _command(p)
            build.append(f'\ngo_cross_binary(name="{p.name}", main="./{p.dir}", platforms=["linux/amd64"])\n')
            continue
        out[f"{p.dir}/{p.name}.go"] = _api(p)
        for unit in p.units:
            template = _HANDLER if unit == "handler" else _UNITS[unit]
            out[f"{p.dir}/{unit}.go"] = template.replace("@P@", p.name).replace("@K@", str(p.key))
    out["BUILD"] = "".join(build)
    return out


def describe() -> str:
    """What the generated module holds, for the results' header."""
    all_packages = packages()
    library = [p for p in all_packages if p.layer != "command"]
    lines = sum(c.count("\n") for path, c in files().items() if path.endswith(".go"))
    layers = ", ".join(f"{sum(p.layer == layer for p in library)} {layer}" for layer in ("leaf", "domain", "feature"))
    commands = [p for p in all_packages if p.layer == "command"]
    reach = sorted(len(_closure(c)) - 1 for c in commands)
    serving = sum(any(d.name in HTTP_FEATURES for d in c.imports) for c in commands)
    return (
        f"{len(library)} library packages ({layers}; {len(HTTP_FEATURES)} features serve HTTP), "
        f"{len(commands)} binaries (`cmd/svcNN`, linux/amd64) that each reach {reach[0]}-{reach[-1]} of them "
        f"({serving} reach net/http), {lines} lines of Go"
    )


def _closure(p: Package) -> set[str]:
    seen = {p.import_path}
    for d in p.imports:
        seen |= _closure(d)
    return seen


def write(root: Path) -> None:
    """A Pants build root: `root` already holds the repo's `pants`, `pants.toml` and `pants-plugins/`."""
    (root / ".pants.rc").write_text(_PANTS_RC)
    module = root / MODULE_DIR
    shutil.rmtree(module, ignore_errors=True)
    for rel, content in files().items():
        (module / rel).parent.mkdir(parents=True, exist_ok=True)
        (module / rel).write_text(content)


def write_primer(root: Path) -> None:
    for rel, content in _PRIMER.items():
        (root / PRIMER_DIR / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / PRIMER_DIR / rel).write_text(content)


def remove_primer(root: Path) -> None:
    shutil.rmtree(root / PRIMER_DIR)


def _edited_leaf(root: Path) -> Path:
    return root / MODULE_DIR / "lib" / EDITED_LEAF / f"{EDITED_LEAF}.go"


def edit_leaf_body(root: Path, n: int) -> None:
    """A one-line edit inside a function body of the shared leaf (Normalize's limit)."""
    path = _edited_leaf(root)
    text, count = _LIMIT_LINE.subn(f"\tlimit := {4096 + n}", path.read_text())
    assert count == 1, f"{path}: no `limit :=` line to edit"
    path.write_text(text)


def add_leaf_line(root: Path, n: int) -> None:
    """A line added inside a function body of the shared leaf (after Normalize's limit), which moves
    the lines of every declaration below it."""
    path = _edited_leaf(root)
    text = path.read_text()
    limit = _LIMIT_LINE.search(text)
    assert limit is not None, f"{path}: no `limit :=` line to add a line after"
    path.write_text(f"{text[: limit.end()]}\n\tlimit = max(limit, {n}){text[limit.end():]}")


def add_leaf_function(root: Path, n: int) -> None:
    """An edit of the shared leaf's API: a new exported function, appended so no line moves."""
    path = _edited_leaf(root)
    with open(path, "a") as f:
        f.write(f"\n// Added{n} is new API.\nfunc Added{n}() int {{ return {n} }}\n")


def main_packages(count: int | None = None) -> list[str]:
    """The first `count` binaries' main packages as `go build` arguments (all when None)."""
    return [f"./cmd/{name}" for name in BINARIES[:count]]


def targets(count: int | None = None) -> list[str]:
    return [f"{MODULE_DIR}:{name}" for name in BINARIES[:count]]
