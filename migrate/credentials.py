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
    """Basic (email + API token) or bearer. Exactly one form is set.

    `source` names the environment variables the secret came from, so a refusal (401) can say which
    ones to check: JIRA_EMAIL / JIRA_API_TOKEN, or the variables a sites file names for that site."""

    email: str | None = None
    token: Secret | None = None
    bearer: Secret | None = None
    source: tuple[str, ...] = ()

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

    @property
    def described(self) -> str:
        """Where these credentials came from, for hints: "JIRA_EMAIL and JIRA_API_TOKEN"."""
        return " and ".join(self.source) if self.source else "the credentials"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, names: EnvNames = EnvNames()) -> "Credentials":
        env = os.environ if env is None else env
        bearer = env.get(names.bearer, "").strip() if names.bearer else ""
        token = env.get(names.token, "").strip() if names.token else ""
        email = env.get(names.email, "").strip() if names.email else ""
        if bearer and token:
            # Which one would be used is not obvious, and a wrong guess sends a secret to the site for nothing.
            raise ConfigError(
                f"both {names.bearer} and {names.token} are set: migrate will not guess which one to use",
                hint=f"unset one: {names.bearer} for a bearer token (Data Center PAT, OAuth), or "
                f"{names.email} + {names.token} for an API token",
            )
        if bearer:
            return cls(bearer=Secret(bearer), source=(names.bearer,))
        if token and email:
            return cls(email=email, token=Secret(token), source=(names.email, names.token))
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
