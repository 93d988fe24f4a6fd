// ScriptRunner for Jira Cloud: listener guard, project scope
def projectKey = event.issue.fields.project.key
def perms = get("/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=BROWSE_PROJECTS").asObject(Map).body
if (!perms.permissions['BROWSE_PROJECTS'].havePermission) {
    logger.warn("listener skipped: no project access")
    return
}
