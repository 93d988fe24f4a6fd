package com.acme.perm

class PermissionService(private val http: JiraClient) {
    fun canSeeProject(projectKey: String): Boolean {
        val perms = http.get("/rest/api/3/mypermissions?projectKey=$projectKey&permissions=BROWSE_PROJECTS")
        return perms.permissions.getValue("BROWSE_PROJECTS").havePermission
    }
}
