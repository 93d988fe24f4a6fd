# Grant housekeeping: filters by key (no permission checks in this file).


def browse_grants(scheme: dict) -> list:
    return [g for g in scheme["permissions"] if g["permission"] == "BROWSE_PROJECTS"]


NEW_SCHEME = {
    "name": "Sample scheme",
    "permissions": [
        {"holder": {"type": "group", "parameter": "jira-software-users"}, "permission": "BROWSE_PROJECTS"},
        {"holder": {"type": "group", "parameter": "jira-software-users"}, "permission": "CREATE_ISSUES"},
    ],
}
