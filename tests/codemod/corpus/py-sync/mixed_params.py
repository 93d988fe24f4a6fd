"""A check somebody half-migrated: the context is passed in by the caller."""


def check(session, context_params: dict) -> dict:
    params = {"permissions": "BROWSE_PROJECTS,VIEW_ISSUES", **context_params}
    return session.get("/rest/api/3/mypermissions", params=params).json()
