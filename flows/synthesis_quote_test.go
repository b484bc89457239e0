package flows

import "testing"

func TestQuotableLeavesOutScrubbedDetails(t *testing.T) {
	tests := []struct {
		in, want string
		cut      bool
	}{
		{"She wants to go home.", "She wants to go home.", false},
		{"She is settled now. NHS number [NHS number], date of birth [date].", "She is settled now. …", true},
		{"NHS number [NHS number], date of birth [date].", "", true},
		{"Her son [name] rang. He will come Friday. Call [phone number] first.", "… He will come Friday. …", true},
		{"I agree with [mention] that we ask sooner.", "I agree with … that we ask sooner.", true},
		{"Two lines.\n[name] visited. Good visit!", "Two lines.\n… Good visit!", true},
		{"A bracket [like this] is the writer's own.", "A bracket [like this] is the writer's own.", false},
	}
	for _, tt := range tests {
		got, cut := quotable(tt.in)
		if got != tt.want || cut != tt.cut {
			t.Errorf("quotable(%q) = %q, %v; want %q, %v", tt.in, got, cut, tt.want, tt.cut)
		}
	}
}
