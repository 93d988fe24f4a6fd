module "support_scheme" {
  source     = "./modules/permission-scheme"
  name       = "Support"
  permission = "BROWSE_PROJECTS"
}

resource "jira_permission_scheme" "partners" {
  name = "Partners"

  dynamic "grant" {
    for_each = var.partner_groups
    content {
      permission = "BROWSE_PROJECTS"
      type       = "group"
      parameter  = grant.value
    }
  }
}
