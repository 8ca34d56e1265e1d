// Package unused is imported by nothing: editing it must not rebuild the features binary.
package unused

func Answer() int { return 42 }
