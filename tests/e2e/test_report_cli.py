"""`migrate report` end to end: plans made by `migrate sites plan` against local Jira sites, rendered to
HTML and Markdown through the CLI, and the HTML rendered by headless Chromium (when installed)."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.sandbox import Sandbox

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def planned(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    with Sandbox("demo", expand_holders=True) as a, Sandbox("legacy", expand_holders=True) as b:
        with a.lock:  # a hostile scheme name: user data must come out escaped
            s = next(iter(a.state.schemes.values()))
            s.name = "<script>alert(1)</script> & co"
            s.touch()
        f = tmp_path / "sites.toml"
        f.write_text(
            f'[[site]]\nname = "acme-cloud"\nurl = "{a.url}"\nemail_env = "A_EMAIL"\ntoken_env = "A_TOKEN"\n\n'
            f'[[site]]\nname = "acme-legacy"\nurl = "{b.url}"\nemail_env = "B_EMAIL"\ntoken_env = "B_TOKEN"\nmode = "finish"\n'
        )
        for k, sb in (("A", a), ("B", b)):
            monkeypatch.setenv(f"{k}_EMAIL", sb.admin.email)
            monkeypatch.setenv(f"{k}_TOKEN", sb.admin.token)
        plans = tmp_path / "plans"
        r = run("sites", "plan", str(f), "-o", str(plans))
        assert r.exit_code == 0, r.output
        yield {"plans": plans, "a": a.url, "b": b.url, "tmp": tmp_path}


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "action", "srcset") and v]


def test_report_html_and_md(planned):
    tmp = planned["tmp"]
    out = tmp / "review" / "report.html"
    r = run("report", str(planned["plans"]), "--format", "html", "-o", str(out), "--title", "CAB-42")
    assert r.exit_code == 0, r.output
    assert f"wrote {out} (2 plans)" in r.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    html = out.read_text("utf-8")
    p = Refs()
    p.feed(html)
    assert all(ref.startswith("#") for ref in p.refs), p.refs
    assert "script" not in p.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert planned["a"] in html and planned["b"] in html
    assert "acme-cloud" in html and "acme-legacy" in html  # site names from the manifest
    assert "Apply is blocked on this site." in html
    assert "finish: removes the source grant only where the holder already holds every target" in html

    r = run("report", str(planned["plans"] / "acme-cloud.json"), "--format", "md", "-o", "-")
    assert r.exit_code == 0
    assert r.stdout.startswith("# Permission scheme change report")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in r.stdout and "<script>" not in r.stdout
    assert planned["b"] not in r.stdout

    r = run("report", str(tmp / "missing.json"))
    assert r.exit_code == 1 and "does not exist" in r.stderr


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")), reason="chromium not installed")
def test_report_renders_in_headless_chromium(planned):
    html = planned["tmp"] / "report.html"
    assert run("report", str(planned["plans"]), "-o", str(html)).exit_code == 0
    png = planned["tmp"] / "report.png"
    res = subprocess.run(
        ["bash", str(ROOT / "scripts" / "screenshot_report.sh"), str(html), str(png), "1280x1600"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert _png_size(png) == (1280, 1600)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one
