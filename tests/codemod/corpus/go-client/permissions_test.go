package jiraclient

import "testing"

func TestRequiredKey(t *testing.T) {
	if got := requiredKey(); got != "BROWSE_PROJECTS" {
		t.Errorf("requiredKey() = %q", got)
	}
}
