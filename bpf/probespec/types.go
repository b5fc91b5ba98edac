package probespec

// KnownType reports whether word is a probe type or one of its short
// spellings ("kprobe", "k", "tracepoint", ...): names that a library's
// probe alias may not take.
func KnownType(word string) bool {
	_, ok := aliases[word]
	return ok
}
