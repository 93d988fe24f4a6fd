package com.acme.jira;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PermissionCheckerTest {
    @Test
    void asksForTheProjectPermission() {
        RecordingHttp http = new RecordingHttp("{\"permissions\":{}}");
        new PermissionChecker(http).canViewProject("OPS");
        assertEquals("/rest/api/3/mypermissions?projectKey=OPS&permissions=BROWSE_PROJECTS", http.lastUrl());
    }

    @Test
    void keyConstant() {
        assertTrue(Keys.REQUIRED.contains("BROWSE_PROJECTS"));
    }
}
