"""The permission scheme the staging site is seeded with."""

SEED_SCHEME = {
    "name": "Staging default",
    "description": "Seeded by ops/seed.py",
    "permissions": [
        {"holder": {"type": "group", "parameter": "staging-users"}, "permission": "BROWSE_PROJECTS"},
        {"holder": {"type": "group", "parameter": "staging-users"}, "permission": "CREATE_ISSUES"},
        {"holder": {"type": "applicationRole"}, "permission": "BROWSE_PROJECTS"},
    ],
}


def seed(client):
    return client.post("/rest/api/3/permissionscheme", json=SEED_SCHEME)
