package com.acme.perm

class IssueGate(private val http: JiraClient) {
    fun mayOpen(issueKey: String): Boolean {
        val p = http.get("/rest/api/3/mypermissions?issueKey=$issueKey&permissions=BROWSE_PROJECTS")
        return p.permissions["BROWSE_PROJECTS"]?.havePermission == true
    }
}
