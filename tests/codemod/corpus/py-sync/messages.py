"""User-facing texts of the bot."""

NO_ACCESS = "You need the Browse Projects permission to see this project."
SEARCH_VISIBLE = 'project in projectsWhereUserHasPermission("Browse Projects") AND statusCategory != Done'


def explain(project_key: str) -> str:
    return f"The bot cannot read {project_key}: ask an admin for BROWSE_PROJECTS."
