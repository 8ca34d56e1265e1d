package store

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestNewHasDefaultGreetings(t *testing.T) {
	s := New()
	for lang, want := range map[string]string{"en": "Hello", "fr": "Bonjour", "de": "Hallo"} {
		got, ok := s.Greeting(lang)
		if !ok || got != want {
			t.Errorf("Greeting(%q) = %q, %v; want %q, true", lang, got, ok, want)
		}
	}
	if got, ok := s.Greeting("es"); ok || got != "" {
		t.Errorf(`Greeting("es") = %q, %v; want "", false`, got, ok)
	}
}

func TestLanguageIsCaseInsensitive(t *testing.T) {
	s := New()
	if got, ok := s.Greeting("FR"); !ok || got != "Bonjour" {
		t.Errorf(`Greeting("FR") = %q, %v; want "Bonjour", true`, got, ok)
	}

	s.Set("ES", "Hola")
	for _, lang := range []string{"es", "ES", "Es"} {
		if got, ok := s.Greeting(lang); !ok || got != "Hola" {
			t.Errorf("Greeting(%q) = %q, %v; want %q, true", lang, got, ok, "Hola")
		}
	}
	// Set under a different case replaces the greeting rather than adding a second language.
	s.Set("En", "Hi")
	if got, _ := s.Greeting("en"); got != "Hi" {
		t.Errorf(`Greeting("en") after Set("En", "Hi") = %q; want "Hi"`, got)
	}
	if got, want := s.Languages(), []string{"de", "en", "es", "fr"}; !slices.Equal(got, want) {
		t.Errorf("Languages() = %q; want %q", got, want)
	}
}

func TestLanguagesSorted(t *testing.T) {
	s := New()
	if got, want := s.Languages(), []string{"de", "en", "fr"}; !slices.Equal(got, want) {
		t.Errorf("Languages() = %q; want %q", got, want)
	}
	for _, lang := range []string{"zu", "it", "ar", "nl"} {
		s.Set(lang, "greeting in "+lang)
	}
	if got, want := s.Languages(), []string{"ar", "de", "en", "fr", "it", "nl", "zu"}; !slices.Equal(got, want) {
		t.Errorf("Languages() = %q; want %q", got, want)
	}
}

func TestLanguagesReturnsACopy(t *testing.T) {
	s := New()
	langs := s.Languages()
	langs[0] = "xx"
	if got := s.Languages()[0]; got != "de" {
		t.Errorf("Languages()[0] = %q after the caller changed its slice; want %q", got, "de")
	}
}

func TestConcurrentSetAndGreeting(t *testing.T) {
	const writers, perWriter = 16, 200
	s := New()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				s.Set(fmt.Sprintf("L%d-%d", w, i), fmt.Sprintf("greeting %d-%d", w, i))
			}
		}()
		go func() {
			defer wg.Done()
			for range perWriter {
				if got, ok := s.Greeting("EN"); !ok || got != "Hello" {
					t.Errorf(`Greeting("EN") = %q, %v during concurrent writes; want "Hello", true`, got, ok)
					return
				}
				_ = s.Languages()
			}
		}()
	}
	wg.Wait()

	if got, want := len(s.Languages()), 3+writers*perWriter; got != want {
		t.Fatalf("len(Languages()) = %d after concurrent writes; want %d", got, want)
	}
	for w := range writers {
		for i := range perWriter {
			lang, want := fmt.Sprintf("l%d-%d", w, i), fmt.Sprintf("greeting %d-%d", w, i)
			if got, ok := s.Greeting(lang); !ok || got != want {
				t.Fatalf("Greeting(%q) = %q, %v after concurrent writes; want %q, true", lang, got, ok, want)
			}
		}
	}
}
