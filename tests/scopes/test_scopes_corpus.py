"""The corpus: small Connect and Forge apps in the shapes real ones have, each with its expected report.

tests/scopes/expected/<app>.txt is the report `migrate scopes <app>` prints (findings as greppable lines,
then the app's scope block); CORPUS below restates each app's verdict so a reader sees it at a glance and
a change to the renderer cannot silently change the verdict.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.scopes import EXCESS, MISSING, REVIEW, app_block, line, run

CORPUS_DIR = Path(__file__).parent / "corpus"
EXPECTED_DIR = Path(__file__).parent / "expected"

# app -> (kind, missing scopes, plain excess, possibly needed (hedged excess), finding kinds that need review)
CORPUS = {
    "forge-issue-triage": ("forge", [], ["manage:jira-configuration"], [], []),
    "forge-granular-dashboard": ("forge", [], [], ["write:issue:jira", "read:jql:jira"], ["unresolved-url", "excess", "excess"]),
    "forge-admin-insights": ("forge", [], [], ["read:jira-user"], ["excess", "unresolved-url"]),
    "forge-connect-reminders": ("forge", ["write:jira-work"], ["delete:connect-jira"], [], []),
    "connect-ace-worklog": ("connect", ["ACT_AS_USER"], ["ADMIN"], [], []),
    "connect-spring-timesheets": ("connect", ["ACCESS_EMAIL_ADDRESSES"], [], [], []),
    "connect-kotlin-releases": ("connect", [], [], [], []),
    "connect-python-sla": ("connect", ["DELETE"], [], [], ["unresolved-method"]),
    "connect-go-deploy-gate": ("connect", [], [], ["DELETE"], ["excess", "other-api"]),
    "connect-php-approvals": ("connect", [], [], ["project_admin"], ["unknown-operation", "excess"]),
    "connect-groovy-escalations": ("connect", ["WRITE"], [], [], []),
}


def render(report) -> str:
    lines = [line(f) for f in report.findings] + [""] + [text for app in report.apps for text in app_block(app)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def in_corpus(monkeypatch):
    monkeypatch.chdir(CORPUS_DIR)


def test_every_corpus_app_is_listed():
    assert sorted(p.name for p in CORPUS_DIR.iterdir() if p.is_dir()) == sorted(CORPUS)
    assert len(CORPUS) >= 8
    kinds = {v[0] for v in CORPUS.values()}
    assert kinds == {"forge", "connect"}


@pytest.mark.parametrize("app", sorted(CORPUS))
def test_corpus_app_report(app, in_corpus):
    report = run([app])
    assert not report.errors
    assert len(report.apps) == 1
    rep = report.apps[0]
    kind, missing, excess, possibly, review = CORPUS[app]
    assert rep.kind == kind
    assert rep.missing == missing
    assert rep.excess == excess
    assert list(rep.possibly_needed) == possibly
    assert sorted(f.kind for f in report.findings if f.classification == REVIEW) == sorted(review)
    assert (report.counts()[MISSING] > 0) == bool(missing) or any(f.kind == "inaccessible" for f in report.findings)
    assert (report.counts()[EXCESS] > 0) == bool(excess)
    assert render(report) == (EXPECTED_DIR / f"{app}.txt").read_text()


def test_whole_corpus_at_once_gives_each_file_to_its_own_app(in_corpus):
    """Eleven descriptors in one run: every file goes to the app whose root holds it, so the per-app verdicts
    are the same as app by app."""
    report = run(["."])
    assert not report.errors
    by_dir = {Path(a.descriptor).parts[0]: a for a in report.apps}
    assert sorted(by_dir) == sorted(CORPUS)
    for app, (_, missing, excess, possibly, _) in CORPUS.items():
        assert by_dir[app].missing == missing and by_dir[app].excess == excess and list(by_dir[app].possibly_needed) == possibly
    assert not any(f.kind == "outside-app" for f in report.findings)


def test_test_sources_are_skipped_unless_asked(in_corpus, monkeypatch):
    report = run(["forge-issue-triage"])
    assert report.skipped.get("test") == 1
    monkeypatch.chdir(CORPUS_DIR / "forge-issue-triage")
    assert run(["."]).skipped.get("test") == 1
    monkeypatch.chdir(CORPUS_DIR)
    assert not any("__tests__" in f.file for f in report.findings)
    with_tests = run(["forge-issue-triage"], include_tests=True)
    assert any("__tests__" in f.file and f.path == "/rest/api/3/project/search" for f in with_tests.findings)
