"""The Jira REST resources the local site serves, one module per resource (as moto splits a service):
each declares ``ROUTES`` (path, template, auth, flavours, handler) and handler functions taking a ``Ctx``.
Handlers read and change ``state.py`` and answer with ``render.py`` shapes; ``app.py`` does the rest.
"""

from __future__ import annotations

from migrate.sandbox.api import Route
from migrate.sandbox.resources import (
    filters,
    grants,
    permissions,
    projects,
    roles,
    schemes,
    server_info,
    users,
    workflow_schemes,
    workflows,
)

MODULES = (server_info, permissions, schemes, grants, projects, roles, users, workflows, workflow_schemes, filters)

ROUTES: tuple[Route, ...] = tuple(r for m in MODULES for r in m.ROUTES)
