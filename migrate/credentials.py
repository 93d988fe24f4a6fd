"""Credentials from environment variables (never from command-line values, which end up in shell history
and process lists). A sites file names the variables; it never holds the secrets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from migrate.errors import ConfigError
from migrate.redact import register_secret


class Secret:
    """A string that never shows itself in repr/str/format, so tracebacks and logs stay clean."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # refuse pickling, which would write the secret in clear
        raise TypeError("Secret cannot be pickled")


@dataclass(frozen=True)
class EnvNames:
    url: str = "JIRA_URL"
    email: str = "JIRA_EMAIL"
    token: str = "JIRA_API_TOKEN"
    bearer: str = "JIRA_BEARER_TOKEN"


@dataclass(frozen=True)
class Credentials:
    """Basic (email + API token) or bearer. Exactly one form is set."""

    email: str | None = None
    token: Secret | None = None
    bearer: Secret | None = None

    def __post_init__(self):
        if self.token is not None and self.email:
            register_secret(self.token.reveal(), email=self.email)

    @property
    def kind(self) -> str:
        return "bearer" if self.bearer is not None else "basic"

    @classmethod
    def basic(cls, email: str, token: str) -> "Credentials":
        return cls(email=email, token=Secret(token))

    @classmethod
    def bearer_token(cls, token: str) -> "Credentials":
        return cls(bearer=Secret(token))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, names: EnvNames = EnvNames()) -> "Credentials":
        env = os.environ if env is None else env
        bearer = env.get(names.bearer, "").strip()
        token = env.get(names.token, "").strip()
        email = env.get(names.email, "").strip()
        if bearer:
            return cls.bearer_token(bearer)
        if token and email:
            return cls.basic(email, token)
        if token and not email:
            raise ConfigError(
                f"{names.token} is set but {names.email} is not",
                hint=f"export {names.email}=you@example.com (the Atlassian account the API token belongs to)",
            )
        raise ConfigError(
            "no Jira credentials found",
            hint=f"export {names.email} and {names.token} (API token), or {names.bearer}",
        )


def site_url_from_env(env: Mapping[str, str] | None = None, names: EnvNames = EnvNames()) -> str | None:
    env = os.environ if env is None else env
    url = env.get(names.url, "").strip()
    return url or None
