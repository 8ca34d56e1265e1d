// Package store keeps greetings in memory, safe for concurrent handlers.
package store

import (
	"sort"
	"strings"
	"sync"
)

type Store struct {
	mu        sync.RWMutex
	greetings map[string]string
}

func New() *Store {
	return &Store{greetings: map[string]string{"en": "Hello", "fr": "Bonjour", "de": "Hallo"}}
}

func (s *Store) Greeting(lang string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.greetings[strings.ToLower(lang)]
	return g, ok
}

func (s *Store) Set(lang, greeting string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.greetings[strings.ToLower(lang)] = greeting
}

func (s *Store) Languages() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	langs := make([]string, 0, len(s.greetings))
	for lang := range s.greetings {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	return langs
}
