package concepts

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkFind finds the built-in catalogue's themes in the answers of the
// offline coder's tuning set (typed the way teams write), one answer per
// iteration: the cost of concept assignment for one answer.
func BenchmarkFind(b *testing.B) {
	f, err := os.Open("../themes/testdata/codes_tune.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, line.Text)
	}
	cat := Builtin()
	b.ReportAllocs()
	b.ResetTimer()
	i, hits := 0, 0
	for b.Loop() {
		hits += len(cat.Find(texts[i%len(texts)]))
		i++
	}
	if hits == 0 {
		b.Fatal("no theme found in any answer")
	}
}

// BenchmarkFindLongAnswer finds themes in a long answer that says one cue
// word over and over (the offline coder's odd-input test has 2,000 "pain"):
// the cost must grow with the answer's length, not with its square. Before
// each theme's exclusions and a cue's later parts were found once per text
// and sentence, 2,000 words took 5.3 s; measured after, 16 ms.
func BenchmarkFindLongAnswer(b *testing.B) {
	cat := Builtin()
	for _, n := range []int{500, 2000} {
		text := strings.Repeat("pain ", n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				cat.Find(text)
			}
		})
	}
}
