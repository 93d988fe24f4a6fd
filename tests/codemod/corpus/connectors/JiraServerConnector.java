package com.acme.connectors;

import java.net.URI;

/** Connector for customers on Jira Server / Data Center (REST API 2). */
public class JiraServerConnector {
    private final RestClient rest;

    public JiraServerConnector(RestClient rest) {
        this.rest = rest;
    }

    public boolean userCanBrowse(String username, String projectKey) {
        URI uri = URI.create("/rest/api/2/user/permission/search?username=" + username + "&projectKey=" + projectKey + "&permissions=BROWSE_PROJECTS");
        return !rest.getList(uri).isEmpty();
    }
}
