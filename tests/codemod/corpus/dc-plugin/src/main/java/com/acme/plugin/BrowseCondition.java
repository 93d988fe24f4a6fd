package com.acme.plugin;

import com.atlassian.jira.permission.ProjectPermissions;
import com.atlassian.jira.security.PermissionManager;
import com.atlassian.jira.user.ApplicationUser;
import com.atlassian.jira.project.Project;

public class BrowseCondition {
    private final PermissionManager permissionManager;

    public BrowseCondition(PermissionManager permissionManager) {
        this.permissionManager = permissionManager;
    }

    public boolean shouldDisplay(ApplicationUser user, Project project) {
        return permissionManager.hasPermission(ProjectPermissions.BROWSE_PROJECTS, project, user);
    }
}
