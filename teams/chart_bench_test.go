package teams

import (
	"testing"

	"whatmatters/themes"
)

// BenchmarkDigestChart measures fitting the largest digest's chart (52
// weeks, drawn at full size) into a Teams message: the shrinking and the
// palette, not the drawing.
func BenchmarkDigestChart(b *testing.B) {
	d := chartDigest(52)
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
}
