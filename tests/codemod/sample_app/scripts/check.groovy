// ScriptRunner for Jira Cloud
def issueKey = issue.key
def result = get("/rest/api/3/mypermissions")
        .queryString("issueKey", issueKey)
        .queryString("permissions", "BROWSE_PROJECTS")
        .asObject(Map)
if (result.body.permissions.BROWSE_PROJECTS.havePermission) {
    logger.info("visible: BROWSE_PROJECTS granted")
}
