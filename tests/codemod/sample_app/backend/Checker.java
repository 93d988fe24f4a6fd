package com.example;

import org.json.JSONObject;

public class Checker {
    private final Http http;

    public Checker(Http http) {
        this.http = http;
    }

    public boolean canSeeIssue(String issueKey) {
        JSONObject json = http.getJson("/rest/api/3/mypermissions?issueKey=" + issueKey + "&permissions=BROWSE_PROJECTS");
        return json.getJSONObject("permissions").getJSONObject("BROWSE_PROJECTS").getBoolean("havePermission");
    }
}
