import io
import logging
import pickle

import pytest

from migrate.credentials import Credentials, EnvNames, Secret
from migrate.errors import ConfigError, JiraError
from migrate.redact import redact


@pytest.mark.parametrize(
    "env,kind",
    [
        ({"JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "tok-aaaa"}, "basic"),
        ({"JIRA_BEARER_TOKEN": "bear-bbbb"}, "bearer"),
        ({"JIRA_BEARER_TOKEN": "bear-bbbb", "JIRA_EMAIL": "a@b.c"}, "bearer"),
    ],
)
def test_from_env(env, kind):
    assert Credentials.from_env(env).kind == kind


def test_two_credentials_are_refused_not_guessed():
    """The bearer token used to win silently over an API token also set."""
    with pytest.raises(ConfigError, match="both JIRA_BEARER_TOKEN and JIRA_API_TOKEN are set") as e:
        Credentials.from_env({"JIRA_BEARER_TOKEN": "bear-bbbb", "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "tok-aaaa"})
    assert "unset one" in e.value.hint and "bear-bbbb" not in str(e.value)


def test_credentials_name_the_variables_they_came_from():
    assert Credentials.from_env({"JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "tok-aaaa"}).described == "JIRA_EMAIL and JIRA_API_TOKEN"
    names = EnvNames(url="", email="ACME_EMAIL", token="ACME_TOKEN", bearer="")
    assert Credentials.from_env({"ACME_EMAIL": "x@y.z", "ACME_TOKEN": "t-1"}, names).described == "ACME_EMAIL and ACME_TOKEN"
    assert Credentials.from_env({"PAT": "p-1"}, EnvNames(email="", token="", bearer="PAT")).source == ("PAT",)


@pytest.mark.parametrize("env", [{}, {"JIRA_API_TOKEN": "tok-aaaa"}, {"JIRA_EMAIL": "a@b.c"}, {"JIRA_API_TOKEN": "  "}])
def test_missing_credentials_are_a_clear_error(env):
    with pytest.raises(ConfigError) as e:
        Credentials.from_env(env)
    assert "JIRA_" in str(e.value)


def test_custom_env_names_for_sites_files():
    names = EnvNames(email="ACME_EMAIL", token="ACME_TOKEN")
    c = Credentials.from_env({"ACME_EMAIL": "x@y.z", "ACME_TOKEN": "acme-tok-1"}, names)
    assert c.email == "x@y.z"
    with pytest.raises(ConfigError, match="ACME_"):
        Credentials.from_env({}, names)


def test_secret_never_shows_itself():
    s = Secret("hunter2-secret")
    assert "hunter2" not in repr(s) + str(s) + f"{s}" + repr(Credentials(email="e", token=s))
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_errors_and_logs_are_redacted(caplog):
    Secret("zz-secret-token-99")
    e = JiraError("server said zz-secret-token-99", error_messages=("zz-secret-token-99",), hint="x zz-secret-token-99")
    assert "zz-secret" not in str(e) + "".join(e.error_messages)
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in ("migrate.test", "urllib3.connectionpool", "somebody.else"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.warning("token is %s", "zz-secret-token-99")
        logger.removeHandler(handler)
    assert "zz-secret" not in caplog.text + stream.getvalue()
    assert stream.getvalue().count("token is ***") == 3
    assert redact("a zz-secret-token-99 b") == "a *** b"


# ----------------------------------------------------------------------------- redaction of serialised JSON


@pytest.mark.parametrize(
    "secret, obj",
    [
        pytest.param("tok-plain-1234", {"holder": {"parameter": "tok-plain-1234"}}, id="as-is"),
        pytest.param('tok"quoted\\1234', {"name": 'x tok"quoted\\1234 y'}, id="escaped-in-a-string"),
        pytest.param("tök-ünïcode-1234", {"k": ["tök-ünïcode-1234"]}, id="non-ascii"),
        pytest.param('":"1', {"a": "b", '":"1': "x"}, id="cuts-through-json-syntax"),
    ],
)
def test_serialised_json_is_redacted_once_on_its_text_and_stays_valid(secret, obj):
    import json

    import msgspec

    from migrate.redact import MASK, redact_json, register_secret

    register_secret(secret)
    for text in (json.dumps(obj), json.dumps(obj, ensure_ascii=False), msgspec.json.encode(obj).decode()):
        out = redact_json(text)
        assert secret not in out and json.dumps(secret)[1:-1] not in out
        assert json.loads(out) is not None and MASK in out
