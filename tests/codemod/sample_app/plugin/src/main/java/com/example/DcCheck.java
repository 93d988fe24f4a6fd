package com.example;

import com.atlassian.jira.permission.ProjectPermissions;
import com.atlassian.jira.security.PermissionManager;

public class DcCheck {
    boolean canBrowse(PermissionManager pm, Project project, ApplicationUser user) {
        return pm.hasPermission(ProjectPermissions.BROWSE_PROJECTS, project, user);
    }
}
