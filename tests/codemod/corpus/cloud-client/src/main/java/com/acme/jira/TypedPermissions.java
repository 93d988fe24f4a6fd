package com.acme.jira;

import java.util.Map;

public class TypedPermissions {
    private final JiraHttp http;

    public TypedPermissions(JiraHttp http) {
        this.http = http;
    }

    public boolean canBrowse(String projectKey) {
        String url = "/rest/api/3/mypermissions?projectKey=" + projectKey + "&permissions=BROWSE_PROJECTS";
        Map<String, UserPermission> perms = http.get(url, MyPermissions.class).getPermissions();
        UserPermission browse = perms.get("BROWSE_PROJECTS");
        return browse != null && browse.isHavePermission();
    }
}
