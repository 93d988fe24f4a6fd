package com.acme.perm

// Talks to the plugin SDK's local instance while developing the Server edition.
const val BASE_URL = "http://localhost:2990/jira"

fun browseUrl(projectKey: String) = "$BASE_URL/rest/api/2/mypermissions?projectKey=$projectKey&permissions=BROWSE_PROJECTS"
