package com.acme.jira;

import org.json.JSONObject;

public class IssueAccess {
    private final JiraHttp http;

    public IssueAccess(JiraHttp http) {
        this.http = http;
    }

    public boolean canOpen(String issueKey) {
        String url = "/rest/api/3/mypermissions?issueKey=" + issueKey + "&permissions=BROWSE_PROJECTS";
        JSONObject perms = http.getJson(url).getJSONObject("permissions");
        if (!perms.getJSONObject("BROWSE_PROJECTS").getBoolean("havePermission")) {
            return false;
        }
        return true;
    }
}
