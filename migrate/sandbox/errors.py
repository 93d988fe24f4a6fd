"""The errors the local Jira site answers with, one class per kind (as moto's ``exceptions.py``).

Every one renders as Jira's ErrorCollection (``{"errorMessages": [...], "errors": {...}}``, plus
``status`` from 429 up). ``counter`` names the stats counter a kind of error bumps, so tests can prove a
client never provoked it (a duplicate-grant 400, a delete of a missing grant...).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error Jira answers with an ErrorCollection body. Subclasses fix the status and the counter."""

    status: int = 400
    counter: str | None = None

    def __init__(
        self,
        *messages: str,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ):
        if status is not None:
            self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        super().__init__(f"{self.status}: {'; '.join(self.messages) or self.errors}")

    def body(self, with_status: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"errorMessages": self.messages, "errors": self.errors}
        if with_status:
            out["status"] = self.status
        return out


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class UnsupportedMediaType(ApiError):
    status = 415


class MalformedJson(BadRequest):
    counter = "malformed_json_errors"


class BadHolder(BadRequest):
    counter = "bad_holder_errors"


class BadGrant(BadRequest):
    counter = "bad_grant_errors"


class UnrecognizedPermission(BadRequest):
    counter = "unrecognized_permission_400s"


class DuplicateGrant(BadRequest):
    """Jira's answer to a grant that is already there (REFERENCE.md §3.7): never silently accepted."""

    counter = "duplicate_grant_400s"


class MissingGrant(BadRequest):
    """Deleting a grant that does not exist is a 400 in Jira, not a 404 (REFERENCE.md §3.9)."""

    counter = "delete_missing_400s"


NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
NOT_ADMIN = "You are not authorized to perform this operation. Only Jira administrators can perform this operation."
