"""Typed errors. Every error a user can hit is a MigrateError with a message an admin understands.

Exit codes are part of the CLI contract (README, "Exit codes").
"""

from __future__ import annotations

from migrate.redact import redact

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CHANGES = 3
EXIT_PARTIAL = 4
EXIT_INTERRUPTED = 130

# The one exit-code table: README's "Exit codes" table is tested to say exactly this.
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success; nothing to do",
    EXIT_ERROR: (
        "error (bad credentials, missing permission, bad plan file, site problem, rollback refused...); nothing was written unless "
        "the message says so. A bulk run (`sites ...`): no site got done"
    ),
    EXIT_USAGE: "usage error (bad option, bad value)",
    EXIT_CHANGES: (
        "changes pending: `plan --detailed-exitcode`, `sites plan --detailed-exitcode`, "
        "`verify` and `sites verify` with schemes not applied yet; `scan --detailed-exitcode`: findings"
    ),
    EXIT_PARTIAL: (
        "partial: apply or rollback finished some schemes but skipped (stale), drifted or failed others; `verify` or "
        "`sites verify` found drift; a bulk run got some sites done while others failed or were refused "
        "(see the summary, or its `--json`)"
    ),
    EXIT_INTERRUPTED: (
        "interrupted (Ctrl-C); `apply`, `rollback`, `sites apply` and `sites rollback` first finish the writes in "
        "flight, then print what was done and the command that resumes or undoes it"
    ),
}


class MigrateError(Exception):
    """Base of every error the tool reports without a traceback."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None):
        # Redacted at the source: servers echo request data, and messages travel to logs and files.
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.hint = redact(hint) if hint else hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(MigrateError):
    """A bad option value found after parsing (click reports the ones it can see itself, also with 2)."""

    exit_code = EXIT_USAGE


class ConfigError(MigrateError):
    """Bad configuration: missing credentials, bad URL, malformed sites or rule file."""


class PlanFileError(MigrateError):
    """A plan file that cannot be used: malformed, tampered, unknown version, another site."""


class StalePlanError(MigrateError):
    """The site changed since the plan was made."""


class LockHeldError(MigrateError):
    """Another migrate process holds the per-site lock."""


class UnsupportedSiteError(MigrateError):
    """The site cannot take this migration (e.g. it does not know the target permission keys)."""


class JiraError(MigrateError):
    """An HTTP-level failure talking to Jira. `status` is None for transport errors."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        error_messages: tuple[str, ...] = (),
        field_errors: dict[str, str] | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, hint=hint)
        self.status = status
        self.method = method
        self.path = path
        self.error_messages = tuple(redact(m) for m in error_messages)
        self.field_errors = {redact(k): redact(v) for k, v in (field_errors or {}).items()}
        self.retry_after = retry_after


class AuthenticationError(JiraError):
    """401: bad email/token, expired token, or a scoped token sent to the site URL."""


class PermissionDeniedError(JiraError):
    """403: the account lacks a global permission or the token lacks a scope."""


class NotFoundError(JiraError):
    """404 (which in Jira can also mean "no permission to see it")."""


class BadRequestError(JiraError):
    """400 with Jira's errorMessages / errors."""


class RateLimitedError(JiraError):
    """429 after the retry budget ran out."""


class ServerError(JiraError):
    """5xx after the retry budget ran out."""


class InvalidResponseError(JiraError):
    """The server answered with something that is not the JSON Jira sends (an HTML proxy page, garbage)."""


class TransportError(JiraError):
    """Connection refused/reset, DNS failure, TLS failure or timeout."""


class AmbiguousWriteError(JiraError):
    """A non-idempotent write (POST) whose outcome is unknown: the request may or may not have landed.

    Never resent blindly: the caller re-reads the scheme to learn whether the grant exists.
    """
