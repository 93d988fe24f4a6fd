// Bulk check of the issues in a filter, then keep those the user may see
def body = [accountId: userKey, projectPermissions: [[permissions: ['BROWSE_PROJECTS'], issues: issueIds]]]
def checked = post("/rest/api/3/permissions/check").header("Content-Type", "application/json").body(body).asObject(Map).body
def visible = checked.projectPermissions.find { it.permission == 'BROWSE_PROJECTS' }?.issues ?: []
return visible
