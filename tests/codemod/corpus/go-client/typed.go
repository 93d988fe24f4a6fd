package jiraclient

import (
	"context"
	"encoding/json"
)

type browseAnswer struct {
	Permissions struct {
		Browse struct {
			HavePermission bool `json:"havePermission"`
		} `json:"BROWSE_PROJECTS"`
	} `json:"permissions"`
}

// CanBrowseProject decodes into a struct whose field tag names the key.
func (c *Client) CanBrowseProject(ctx context.Context, projectKey string) (bool, error) {
	body, err := c.get(ctx, "/rest/api/3/mypermissions?projectKey="+projectKey+"&permissions=BROWSE_PROJECTS")
	if err != nil {
		return false, err
	}
	var a browseAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return false, err
	}
	return a.Permissions.Browse.HavePermission, nil
}
