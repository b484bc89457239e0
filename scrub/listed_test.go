package scrub

import "testing"

// TestListedName: the lists a pseudonym is checked against, in any case;
// first names that are also words (Bob, Rose) are first names too.
func TestListedName(t *testing.T) {
	tests := []struct {
		w              string
		first, surname bool
	}{
		{"Hazel", true, false}, {"hazel", true, false}, {"ROWAN", true, false}, {"Bob", true, false},
		{"rose", true, false}, {"Birch", true, true}, {"Patel", false, true}, {"Brown", false, false},
		{"Kestrel", false, false}, {"Godwit", false, false},
	}
	for _, tt := range tests {
		if first, surname := ListedName(tt.w); first != tt.first || surname != tt.surname {
			t.Errorf("ListedName(%q) = %v, %v; want %v, %v", tt.w, first, surname, tt.first, tt.surname)
		}
	}
	for _, w := range []string{"Mrs", "mrs.", "Dr", "Sister", "NURSE"} {
		if !IsTitle(w) {
			t.Errorf("IsTitle(%q) = false", w)
		}
	}
	for _, w := range []string{"Kestrel", "B", "Mrss"} {
		if IsTitle(w) {
			t.Errorf("IsTitle(%q) = true", w)
		}
	}
}
