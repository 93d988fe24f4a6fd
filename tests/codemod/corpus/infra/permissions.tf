resource "jira_permission_scheme" "engineering" {
  name        = "Engineering"
  description = "Managed by Terraform"
}

resource "jira_permission_scheme_grant" "browse_engineers" {
  scheme_id  = jira_permission_scheme.engineering.id
  permission = "BROWSE_PROJECTS"
  type       = "group"
  parameter  = "engineering"
}

resource "jira_permission_scheme_grant" "edit_engineers" {
  scheme_id  = jira_permission_scheme.engineering.id
  permission = "EDIT_ISSUES"
  type       = "group"
  parameter  = "engineering"
}
