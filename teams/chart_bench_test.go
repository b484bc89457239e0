package teams

import (
	"strconv"
	"testing"

	"whatmatters/themes"
)

// BenchmarkDigestChart measures fitting a digest's chart, drawn at full
// size, into a Teams message: the shrinking, the palette and the PNG
// encoding of each size tried, not the drawing. A month's chart fits at
// the first palette; a year's (52 weeks, the most a digest covers) only
// at the last step.
func BenchmarkDigestChart(b *testing.B) {
	for _, weeks := range []int{4, 52} {
		b.Run(strconv.Itoa(weeks)+"weeks", func(b *testing.B) {
			d := chartDigest(weeks)
			raw, err := themes.Digester{}.Chart(d)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				m, err := DigestChart(d, raw, ChartOptions{Marker: Marker("digest/1", 0)})
				if err != nil || !m.Image {
					b.Fatalf("%+v %v", m.Why, err)
				}
			}
		})
	}
}
