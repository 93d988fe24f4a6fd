package perm

import "net/url"

type Response struct {
	Permissions map[string]struct{ HavePermission bool }
}

func CanSeeIssue(c *Client, issueKey string) (bool, error) {
	q := url.Values{}
	q.Set("issueKey", issueKey)
	q.Set("permissions", "BROWSE_PROJECTS")
	var resp Response
	if err := c.Get("/rest/api/3/mypermissions?"+q.Encode(), &resp); err != nil {
		return false, err
	}
	return resp.Permissions["BROWSE_PROJECTS"].HavePermission, nil
}
