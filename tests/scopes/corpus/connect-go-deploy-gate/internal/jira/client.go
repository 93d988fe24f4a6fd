package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

const propertyKey = "deploy-gate"

// Client signs every request with the installation's shared secret (see jwt.go).
type Client struct {
	baseURL string
	http    *http.Client
}

// Gate reads the deploy gate property of an issue.
func (c *Client) Gate(ctx context.Context, issueKey string) (*http.Response, error) {
	return c.http.Get(fmt.Sprintf("%s/rest/api/3/issue/%s/properties/%s", c.baseURL, issueKey, propertyKey))
}

// SetGate stores the gate decision on the issue.
func (c *Client) SetGate(ctx context.Context, issueKey string, open bool) error {
	body, _ := json.Marshal(map[string]bool{"open": open})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.baseURL+"/rest/api/3/issue/"+issueKey+"/properties/"+propertyKey, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building PUT /rest/api/3/issue/%s/properties: %w", issueKey, err)
	}
	req.Header.Set("Content-Type", "application/json")
	_, err = c.http.Do(req)
	return err
}

// ActiveSprint finds the sprint an issue's board is running.
func (c *Client) ActiveSprint(ctx context.Context, boardID int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/rest/agile/1.0/board/%d/sprint?state=active", c.baseURL, boardID), nil)
	if err != nil {
		return nil, err
	}
	return c.http.Do(req)
}
