package offline

import (
	"strings"
	"sync"
	"sync/atomic"
)

var (
	sharedLexOnce sync.Once
	sharedLex     *lexicon
)

// theLexicon compiles the lexicon once per process: it is read-only after.
func theLexicon() *lexicon {
	sharedLexOnce.Do(func() { sharedLex = compileLexicon() })
	return sharedLex
}

// stemCache remembers the stems of words already seen: stemming is most of
// the cost of coding an answer, and a team's vocabulary is small. It stops
// growing at stemCacheMax words, so a flood of odd text cannot fill memory.
var (
	stemCache     sync.Map
	stemCacheSize atomic.Int64
)

const stemCacheMax = 200_000

// cachedStem is Stem, remembered.
func cachedStem(w string) string {
	if s, ok := stemCache.Load(w); ok {
		return s.(string)
	}
	s := Stem(w)
	if stemCacheSize.Load() < stemCacheMax {
		// A clone, so the cache does not keep the whole answer's text.
		if _, loaded := stemCache.LoadOrStore(strings.Clone(w), s); !loaded {
			stemCacheSize.Add(1)
		}
	}
	return s
}
