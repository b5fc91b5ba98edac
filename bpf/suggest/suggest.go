// Package suggest finds the closest known name to a misspelt one, for
// "did you mean" hints in error messages.
package suggest

import "strings"

// Closest returns the candidate nearest to input by edit distance, if one
// is near enough to be a plausible typo: at most a third of the input's
// length, and never more than 3 edits. Ties go to the earliest candidate.
func Closest(input string, candidates []string) (string, bool) {
	limit := min(max(len(input)/3, 1), 3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == input {
			continue
		}
		// Cheap length bound before the quadratic distance.
		if d := len(c) - len(input); d > limit || -d > limit {
			continue
		}
		if d := distance(strings.ToLower(input), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, bestDist <= limit
}

// Phrase returns " (did you mean X?)" for the closest candidate, or "" when
// nothing is close; it is meant to be appended to an error sentence.
func Phrase(input string, candidates []string) string {
	if c, ok := Closest(input, candidates); ok {
		return " (did you mean " + c + "?)"
	}
	return ""
}

// distance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and transpositions of adjacent bytes each cost 1,
// so "raed" is one edit from "read".
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
