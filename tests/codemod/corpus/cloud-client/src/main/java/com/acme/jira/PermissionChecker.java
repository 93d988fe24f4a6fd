package com.acme.jira;

import org.json.JSONObject;

public class PermissionChecker {
    private final JiraHttp http;

    public PermissionChecker(JiraHttp http) {
        this.http = http;
    }

    /** Whether the calling user may see the project (its card on the dashboard). */
    public boolean canViewProject(String projectKey) {
        JSONObject json = http.getJson("/rest/api/3/mypermissions?projectKey=" + projectKey + "&permissions=BROWSE_PROJECTS");
        return json.getJSONObject("permissions").getJSONObject("BROWSE_PROJECTS").getBoolean("havePermission");
    }
}
