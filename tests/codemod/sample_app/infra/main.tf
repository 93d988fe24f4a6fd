resource "jira_permission_scheme" "main" {
  name = "Sample"
}

resource "jira_permission_scheme_grant" "browse_users" {
  scheme_id  = jira_permission_scheme.main.id
  permission = "BROWSE_PROJECTS"
  type       = "group"
  parameter  = "jira-software-users"
}
