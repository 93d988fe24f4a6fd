package jiraclient

import "context"

type bulkProjectPermissions struct {
	Permissions []string `json:"permissions"`
	Projects    []int    `json:"projects,omitempty"`
}

type bulkRequest struct {
	AccountID          string                   `json:"accountId"`
	ProjectPermissions []bulkProjectPermissions `json:"projectPermissions"`
}

// VisibleProjects returns the ids among projectIDs the account can browse.
func (c *Client) VisibleProjects(ctx context.Context, accountID string, projectIDs []int) ([]int, error) {
	req := bulkRequest{
		AccountID:          accountID,
		ProjectPermissions: []bulkProjectPermissions{{Permissions: []string{"BROWSE_PROJECTS"}, Projects: projectIDs}},
	}
	var out struct {
		ProjectPermissions []struct {
			Projects []int `json:"projects"`
		} `json:"projectPermissions"`
	}
	if err := c.post(ctx, "/rest/api/3/permissions/check", req, &out); err != nil {
		return nil, err
	}
	if len(out.ProjectPermissions) == 0 {
		return nil, nil
	}
	return out.ProjectPermissions[0].Projects, nil
}
