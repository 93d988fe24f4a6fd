package jiraclient

// IssueViewerGroups lists the groups that can see the scheme's issues (mirrored into the chat bot's ACL).
func IssueViewerGroups(grants []Grant) []string {
	var groups []string
	for _, g := range grants {
		if g.Permission != "BROWSE_PROJECTS" || g.Holder.Type != "group" {
			continue
		}
		groups = append(groups, g.Holder.Parameter)
	}
	return groups
}
