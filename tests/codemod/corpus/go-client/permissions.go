package jiraclient

import (
	"context"
	"encoding/json"
	"net/url"
)

type myPermissions struct {
	Permissions map[string]struct {
		HavePermission bool `json:"havePermission"`
	} `json:"permissions"`
}

// CanViewIssue reports whether the current user may see the issue.
func (c *Client) CanViewIssue(ctx context.Context, issueKey string) (bool, error) {
	q := url.Values{}
	q.Set("issueKey", issueKey)
	q.Set("permissions", "BROWSE_PROJECTS")
	body, err := c.get(ctx, "/rest/api/3/mypermissions?"+q.Encode())
	if err != nil {
		return false, err
	}
	var resp myPermissions
	if err := json.Unmarshal(body, &resp); err != nil {
		return false, err
	}
	return resp.Permissions["BROWSE_PROJECTS"].HavePermission, nil
}
