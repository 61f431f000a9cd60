package numsync

import "testing"

// benchNumbers are written as sheets and exports write them: E.164 (most
// rows), without "+", national with a region, and with an extension.
var benchNumbers = []struct{ in, region string }{
	{"+14255550101", ""},
	{"+442079460123", ""},
	{"+4930901820", ""},
	{"14255550102", ""},
	{"020 7946 0124", "GB"},
	{"+14255550103;ext=101", ""},
}

func BenchmarkParseNumber(b *testing.B) {
	for b.Loop() {
		for _, n := range benchNumbers {
			_, _ = ParseNumber(n.in, n.region)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchNumbers)), "ns/number")
}

func BenchmarkNumberCountry(b *testing.B) {
	nums := []Number{{E164: "+14255550101"}, {E164: "+442079460123"}, {E164: "+4930901820"}, {E164: "+33140205050"}}
	for b.Loop() {
		for _, n := range nums {
			_ = n.Country()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(nums)), "ns/number")
}
