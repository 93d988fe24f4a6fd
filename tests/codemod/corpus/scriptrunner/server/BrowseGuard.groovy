import com.atlassian.jira.component.ComponentAccessor
import com.atlassian.jira.permission.ProjectPermissions

def permissionManager = ComponentAccessor.permissionManager
def user = ComponentAccessor.jiraAuthenticationContext.loggedInUser
return permissionManager.hasPermission(ProjectPermissions.BROWSE_PROJECTS, issue, user)
