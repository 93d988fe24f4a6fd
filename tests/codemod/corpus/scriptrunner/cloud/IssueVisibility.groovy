// ScriptRunner for Jira Cloud: script field "Visible to reporter's team"
def issueKey = issue.key
def result = get("/rest/api/3/mypermissions")
        .queryString("issueKey", issueKey)
        .queryString("permissions", "BROWSE_PROJECTS")
        .asObject(Map)
if (result.body.permissions.BROWSE_PROJECTS.havePermission) {
    return "visible"
}
return "hidden"
