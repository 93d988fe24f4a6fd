"""The change report: self-contained, escaped, complete, and the same facts in HTML and Markdown."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest

from migrate.errors import PlanFileError
from migrate.planfile import save_plan
from migrate.report import entry_for, load_entries, one_target_rows, render, render_html, render_markdown, write_report
from migrate.rules import Rule
from report_fixtures import make

GEN = "2026-01-02T10:00:00+00:00"


def entries():
    return [
        entry_for(make(), source="plans/sites/acme.json", site_name="acme-prod"),
        entry_for(
            make("https://legacy.example.com", mode="finish", new_keys=False, title="Legacy"),
            source="plans/sites/legacy.json",
            site_name="legacy",
        ),
    ]


class Collector(HTMLParser):
    """Strict enough: tracks open/close balance and collects every attribute and text node."""

    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    c.close()
    return c


def test_html_is_well_formed_and_self_contained():
    html = render_html(entries(), generated_at=GEN)
    c = parse(html)
    assert c.errors == [] and c.stack == []
    tags = [t for t, _ in c.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    for tag, attrs in c.tags:
        for k in ("src", "href", "action", "srcset", "poster"):
            v = attrs.get(k)
            if v is not None:
                assert v.startswith("#"), (tag, k, v)  # only in-page anchors
    assert not re.search(r"https?://[^\s\"'<>]+\.(css|js|woff2?|ttf|png|svg)", html)
    assert "@import" not in html and "url(" not in html
    csp = [a for t, a in c.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_user_data_is_escaped():
    html = render_html(entries(), generated_at=GEN)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    text = "".join(parse(html).text)
    assert "<script>alert('x')</script> | *scheme*" in text  # shown to the reader as written
    assert "group: <img src=x onerror=alert(1)>" in text


def test_html_has_every_fact_a_reviewer_needs():
    es = entries()
    html = render_html(es, generated_at=GEN, title="CAB-1234 permission split")
    text = " ".join("".join(parse(html).text).split())
    assert "CAB-1234 permission split" in text and GEN in text
    # per site: URL, rule, mode, totals, plan id
    assert "https://acme.atlassian.net" in text and "https://legacy.example.com" in text
    assert "browse-split: BROWSE_PROJECTS → VIEW_PROJECTS + VIEW_ISSUES" in text
    assert "add: only adds" in text and "finish: removes the source grant only where the holder already holds every target" in text
    assert es[0].plan_id in text and es[1].plan_id in text
    # per scheme: projects and before/after per holder
    assert "Projects affected (3): ACME, OPS, WEB" in text
    assert "6 → 13 grants in the scheme" in text
    assert "Apply is blocked on this site." in text and "VIEW_PROJECTS, VIEW_ISSUES" in text
    # added green / removed red through classes
    assert html.count('class="added"') >= 9 and html.count('class="removed"') >= 1
    # the one-target section
    assert "Holders gaining only one of VIEW_PROJECTS / VIEW_ISSUES" in text
    assert "projectRole: Developers" in text and "already held VIEW_ISSUES" in text
    # unchanged schemes listed
    assert "Schemes needing no change (1): 10002" in text


def test_one_target_rows_policy_reason():
    half = Rule(
        name="half",
        source="BROWSE_PROJECTS",
        targets=("VIEW_PROJECTS", "VIEW_ISSUES"),
        policy={"reporter": ("VIEW_ISSUES",)},
    )
    rows = one_target_rows([entry_for(make(rule=half))])
    by = {(r.scheme_id, r.holder): r for r in rows}
    rep = by[(10000, "reporter")]
    assert rep.gains == ("VIEW_ISSUES",) and rep.ends_with == ("VIEW_ISSUES",)
    assert "rule 'half' does not give it VIEW_PROJECTS" in rep.why and "keeps the source grant" in rep.why
    dev = by[(10000, "projectRole: Developers")]
    assert dev.gains == ("VIEW_PROJECTS",) and dev.why == "already held VIEW_ISSUES"
    assert (10000, "group: jira-users") not in by
    html = render_html([entry_for(make(rule=half))], generated_at=GEN)
    assert "reporter gets VIEW_ISSUES; every other holder gets every target" in " ".join("".join(parse(html).text).split())


def test_no_one_target_holders_says_so():
    from report_fixtures import schemes, site_info
    from migrate.plan import make_plan
    from migrate.rules import BROWSE_SPLIT

    plan = make_plan([schemes()[1]], BROWSE_SPLIT, site_info(), projects_by_scheme={})
    html = render_html([entry_for(plan)], generated_at=GEN)
    assert "None: every holder that gains a new permission gains all" in html
    # projects not mapped: say so instead of claiming "none"
    assert "not mapped" not in html and "Projects affected: <em>none</em>" in html
    plan2 = make_plan([schemes()[1]], BROWSE_SPLIT, site_info(), projects_by_scheme=None)
    assert "Projects affected: not mapped" in render_html([entry_for(plan2)], generated_at=GEN)


def test_markdown_escapes_and_keeps_tables_intact():
    md = render_markdown(entries(), generated_at=GEN)
    assert "<script>" not in md and "<img" not in md
    assert "### &lt;script&gt;alert('x')&lt;/script&gt; \\| \\*scheme\\* (scheme 10001)" in md
    # every table row has the same number of unescaped pipes as its header
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---") or line.startswith("|--"):
            n = len(re.findall(r"(?<!\\)\|", lines[i - 1]))
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert len(re.findall(r"(?<!\\)\|", lines[j])) == n, lines[j]
                j += 1
    assert "| acme-prod | https://acme.atlassian.net | browse-split | add | 2 | 9 | 0 | 4 |" in md
    assert "**+ added**" in md and "~~removed~~" in md
    assert "> **Apply is blocked on this site.**" in md
    assert "Projects affected (3): ACME, OPS, WEB" in md


def test_render_dispatch_and_unknown_format():
    es = entries()
    assert render(es, "md", generated_at=GEN) == render_markdown(es, generated_at=GEN)
    with pytest.raises(ValueError, match="unknown report format"):
        render(es, "pdf")


def test_rendering_is_deterministic():
    assert render_html(entries(), generated_at=GEN) == render_html(entries(), generated_at=GEN)


def test_write_report_is_0600(tmp_path):
    p = write_report("<html></html>", tmp_path / "sub" / "r.html")
    assert os.stat(p).st_mode & 0o777 == 0o600 and p.read_text() == "<html></html>"


def test_load_entries_files_dirs_and_duplicates(tmp_path):
    a = save_plan(make(), tmp_path / "a.json")
    b = save_plan(make("https://b.example.com"), tmp_path / "b.json")
    es = load_entries([a, b, a])
    assert [e.plan.site["url"] for e in es] == ["https://acme.atlassian.net", "https://b.example.com"]
    assert [e.source for e in es] == [str(a), str(b)]
    assert len(load_entries([tmp_path])) == 2
    with pytest.raises(PlanFileError):
        load_entries([tmp_path / "missing.json"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(PlanFileError, match="holds no plan files"):
        load_entries([tmp_path / "empty"])
