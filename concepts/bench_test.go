package concepts

import (
	"bufio"
	"encoding/json"
	"os"
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
