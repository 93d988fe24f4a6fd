"""Clear diagnostics through the real CLI against local sites: a URL with a path or without a scheme, a
redirect, the same site under another loopback name, a mistyped permission key."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.e2e


def test_url_with_a_path_says_so_instead_of_blaming_account_rights(sandbox, env, cli, monkeypatch):
    monkeypatch.setenv("JIRA_URL", sandbox.url + "/jira")
    r = cli("doctor")
    assert r.exit_code == 1
    assert f"no Jira REST API at {sandbox.url}/jira" in r.stderr
    assert "has a path (/jira): Jira Cloud site URLs have none" in r.stderr
    assert "may not see it" not in r.stderr


def test_url_without_a_scheme_names_the_plain_http_answer(sandbox, env, cli, monkeypatch):
    bare = sandbox.url.split("://", 1)[1]
    monkeypatch.setenv("JIRA_URL", bare)
    r = cli("doctor")
    assert r.exit_code == 1
    assert "answered plain HTTP to an https request (the URL had no scheme, so https:// was assumed)" in r.stderr
    assert f"write the scheme: http://{bare}" in r.stderr
    assert "TLS verification failed" not in r.stderr


@pytest.fixture
def redirector(sandbox):
    """A loopback server answering every request with a 302 to the same path on the sandbox."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(302)
            self.send_header("Location", sandbox.url + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_redirect_names_its_target(sandbox, env, cli, monkeypatch, redirector):
    monkeypatch.setenv("JIRA_URL", redirector)
    r = cli("doctor")
    assert r.exit_code == 1
    assert f"the server redirects (302) to {sandbox.url}/rest/api/3/serverInfo" in r.stderr
    assert f"use {sandbox.url} as the site URL" in r.stderr
    assert "unexpected HTTP 302" not in r.stderr


def test_localhost_and_127_0_0_1_are_the_same_site(sandbox, env, cli, monkeypatch, tmp_path):
    """A plan made through localhost was refused through 127.0.0.1, printing two identical server URLs."""
    port = sandbox.url.rsplit(":", 1)[1]
    plan = tmp_path / "p.json"
    monkeypatch.setenv("JIRA_URL", f"http://localhost:{port}")
    assert cli("plan", "--out", plan, "--no-projects").exit_code == 0
    monkeypatch.setenv("JIRA_URL", f"http://127.0.0.1:{port}")
    r = cli("apply", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.output
    assert cli("verify", plan).exit_code == 0
    # the journal is found under either name: one site, one data folder
    monkeypatch.setenv("JIRA_URL", f"http://localhost:{port}")
    r = cli("rollback", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.output
    assert "8 restored" in r.stderr


def test_a_plan_for_another_site_names_two_different_sites(sandbox_factory, point_env, cli, env, tmp_path):
    other = sandbox_factory("demo")
    plan = tmp_path / "p.json"
    assert cli("plan", "--out", plan, "--no-projects").exit_code == 0
    point_env(other)
    r = cli("apply", plan, "--yes")
    assert r.exit_code == 1 and "this plan was made for" in r.stderr
    line = next(ln for ln in r.stderr.splitlines() if "this plan was made for" in ln)
    # refused before any request (credentials go only to the named site): each site named once, and they differ
    assert line.count(other.url) == 1 and line.count(env["JIRA_URL"]) == 1 and other.url != env["JIRA_URL"]


def test_a_mistyped_target_key_gets_a_did_you_mean(sandbox, env, cli, tmp_path):
    """A rule targeting VEIW_ISSUES passed `rules` and failed at `plan` with a message about Atlassian."""
    rule = tmp_path / "rule.toml"
    rule.write_text('name = "typo"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_PROJECTS", "VEIW_ISSUES"]\n')
    r = cli("rules", "--rule", rule)
    assert r.exit_code == 1
    assert "VEIW_ISSUES is not a Jira permission key; did you mean VIEW_ISSUES?" in r.stderr
    r = cli("plan", "--rule", rule, "--out", tmp_path / "p.json")
    assert r.exit_code == 1
    assert "the site does not list: VEIW_ISSUES (did you mean VIEW_ISSUES?)" in r.stderr
    assert "Atlassian" not in r.stderr and not (tmp_path / "p.json").exists()
    # an app's own key is not a typo: `rules` warns, the site decides
    rule.write_text('name = "app"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_PROJECTS", "com.acme.timesheets:view"]\n')
    r = cli("rules", "--rule", rule, "--json")
    assert r.exit_code == 0 and "not a built-in Jira permission key" in r.stdout
