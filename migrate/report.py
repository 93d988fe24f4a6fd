"""A change report for change-approval review: one self-contained HTML page (or Markdown) from saved plans.

Per site: URL, server, rule, mode, plan id and totals. Per scheme: a before/after matrix of the holders
whose grants change (added green, removed red), the projects using the scheme, and the planner's notes.
One section lists the holders that gain only one of the rule's targets (e.g. VIEW_PROJECTS alone),
because those are the grants a reviewer has to look at twice.

When a plan has its site-wide scan beside it (``<plan>.scan``, written by `migrate plan` and `migrate sites
plan`), each site also gets an "Also on this site" section: the workflow rules, filters, team-managed projects
and hidden grants that depend on BROWSE_PROJECTS, each with its location and the suggested change.

Pure: plans in, a string out. The HTML has inline CSS only, no scripts, no fonts, no remote anything (a
Content-Security-Policy meta forbids fetching), so it opens from a mail attachment with no network.
Every name in it is site data (scheme, group, role, user names), so everything is escaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from migrate import __version__
from migrate.diff import HolderChange, PlanDiff, SchemeDiff, diff_plan
from migrate.errors import PlanFileError
from migrate.plan import Plan
from migrate.planfile import load_plan, plan_id
from migrate.scan import CATEGORY_TITLES, ScanResult, load_scan, scan_path_for
from migrate.scan.text import summary as scan_summary
from migrate.store import atomic_write_text

FORMATS = ("html", "md")
PROJECTS_INLINE = 12  # longer project lists fold into <details>

MODE_TEXT = {
    "add": "add: only adds the new permissions next to the source; nothing is removed",
    "finish": "finish: removes the source grant only where the holder already holds every target; adds nothing",
}


@dataclass(frozen=True)
class ReportEntry:
    """One plan in a report, with where it came from (for the reviewer to match against what is applied)."""

    plan: Plan
    diff: PlanDiff
    source: str
    plan_id: str
    site_name: str | None = None
    scan: ScanResult | None = None  # the site-wide scan saved beside the plan, if any

    @property
    def title(self) -> str:
        return self.site_name or self.plan.site.get("server_title") or self.plan.site.get("url", "?")


def entry_for(plan: Plan, *, source: str = "", site_name: str | None = None, scan: ScanResult | None = None) -> ReportEntry:
    return ReportEntry(plan=plan, diff=diff_plan(plan), source=source, plan_id=plan_id(plan), site_name=site_name,
                       scan=scan)


def scan_beside(plan: Plan, path: Path) -> ScanResult | None:
    """The scan saved beside a plan file; one made for another site is refused (it would mislead a reviewer)."""
    beside = scan_path_for(path)
    if not beside.exists():
        return None
    scan = load_scan(beside)
    if scan.site.get("url") and scan.site.get("url") != plan.site.get("url"):
        raise PlanFileError(f"{beside} is a scan of {scan.site.get('url')}, but {path} plans {plan.site.get('url')}",
                            hint="re-run `migrate plan` (or `migrate scan --out`) for this site")
    return scan


def load_entries(paths: Iterable[Path | str]) -> list[ReportEntry]:
    """Load plan files; a directory means the plans of a `sites plan` run (its manifest), else its *.json.

    The same plan given twice appears once. Any unreadable plan is an error (a report that silently
    leaves a site out would be approved for the wrong thing)."""
    from migrate.sites import MANIFEST_NAME, load_manifest

    out: list[ReportEntry] = []
    seen: set[str] = set()

    def add(path: Path, name: str | None) -> None:
        plan = load_plan(path)
        e = entry_for(plan, source=str(path), site_name=name, scan=scan_beside(plan, path))
        if e.plan_id not in seen:
            seen.add(e.plan_id)
            out.append(e)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            if (p / MANIFEST_NAME).exists():
                for name, plan_path in load_manifest(p).plan_paths():
                    add(plan_path, name)
            else:
                files = sorted(f for f in p.glob("*.json") if f.name != MANIFEST_NAME)
                if not files:
                    raise PlanFileError(f"{p} holds no plan files (*.json)")
                for f in files:
                    add(f, None)
        else:
            add(p, None)
    if not out:
        raise PlanFileError("no plans to report on", hint="pass plan files, or the --out-dir of `migrate sites plan`")
    return out


# ------------------------------------------------------------------------------------------ shared facts


@dataclass(frozen=True)
class OneTargetRow:
    site: str
    url: str
    scheme_id: int
    scheme_name: str
    holder: str
    gains: tuple[str, ...]
    ends_with: tuple[str, ...]
    why: str


def one_target_rows(entries: Sequence[ReportEntry]) -> list[OneTargetRow]:
    """Holders that gain only some of the rule's targets, or end without all of them, with the reason."""
    rows = []
    for e in entries:
        rule = e.plan.rule
        if len(rule.targets) < 2:
            continue
        for s in e.diff.schemes:
            for h in s.holders:
                gained = tuple(t for t in h.gains if t in rule.targets)
                if not gained or (len(gained) == len(rule.targets) and not h.without_all_targets):
                    continue
                rows.append(
                    OneTargetRow(
                        site=e.title,
                        url=e.plan.site.get("url", ""),
                        scheme_id=s.scheme_id,
                        scheme_name=s.scheme_name,
                        holder=h.holder.display,
                        gains=gained,
                        ends_with=h.targets_after,
                        why=_why_partial(h, rule.targets, rule.name),
                    )
                )
    return rows


def _why_partial(h: HolderChange, targets: Sequence[str], rule_name: str) -> str:
    already = [t for t in targets if t in h.kept]
    withheld = [t for t in targets if t not in h.targets_after]
    parts = []
    if already:
        parts.append(f"already held {', '.join(already)}")
    if withheld:
        keeps = " (keeps the source grant, so no access is lost)" if h.had_source and not h.loses else ""
        parts.append(f"rule '{rule_name}' does not give it {', '.join(withheld)}{keeps}")
    return "; ".join(parts) or "partial"


def _sentence(text: str | None) -> str:
    return (text[:1].upper() + text[1:]) if text else ""


def _site_notes(e: ReportEntry) -> list[str]:
    # the planner's "site does not know the keys" note says what the blocked banner already says
    return [n for n in e.plan.notes if e.diff.applicable or "apply is not possible" not in n]


def _policy_text(rule) -> str:
    return "; ".join(f"{k} gets {' + '.join(v)}" for k, v in sorted(rule.policy.items())) + "; every other holder gets every target"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _cell_state(h: HolderChange, perm: str) -> str:
    if perm in h.gains:
        return "added"
    if perm in h.loses:
        return "removed"
    if perm in h.kept:
        return "kept"
    return "absent"


def _columns(e: ReportEntry) -> list[str]:
    """The rule's keys, then anything else the plan touches (a custom rule could)."""
    rule = e.plan.rule
    cols = list(rule.targets) + [rule.source]
    for s in e.diff.schemes:
        for h in s.holders:
            for p in h.gains + h.loses:
                if p not in cols:
                    cols.append(p)
    return cols


def _totals(entries: Sequence[ReportEntry]) -> dict[str, int]:
    t = {"sites": len(entries), "schemes_changed": 0, "grants_added": 0, "grants_removed": 0, "blocked": 0}
    for e in entries:
        t["schemes_changed"] += e.diff.totals["schemes_changed"]
        t["grants_added"] += e.diff.totals["grants_added"]
        t["grants_removed"] += e.diff.totals["grants_removed"]
        t["blocked"] += 0 if e.diff.applicable else 1
    return t


def _projects(e: ReportEntry, s: SchemeDiff) -> str | None:
    """None when projects were not mapped (so we do not claim 'no project')."""
    if e.diff.projects_mapped is False:
        return None
    return ", ".join(s.projects)


# ------------------------------------------------------------------------------------------ HTML


def _h(x: object) -> str:
    return html.escape(str(x), quote=True)


_CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --soft:#f6f8fa;
  --add-bg:#dafbe1; --add-fg:#116329; --rem-bg:#ffebe9; --rem-fg:#a40e26; --warn-bg:#fff8c5; --warn-fg:#7d4e00; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; color: var(--fg); background: var(--bg);
  font: 14px/1.5 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
.meta, .muted { color: var(--muted); }
.meta { margin: 0 0 16px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
table.summary td:first-child { white-space: nowrap; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 12px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.chips { margin: 8px 0; }
.chip { display: inline-block; padding: 2px 10px; margin: 0 6px 4px 0; border-radius: 12px;
  background: var(--soft); border: 1px solid var(--line); }
.chip.add { background: var(--add-bg); color: var(--add-fg); border-color: #aceebb; }
.chip.rem { background: var(--rem-bg); color: var(--rem-fg); border-color: #ffcecb; }
td.added { background: var(--add-bg); color: var(--add-fg); font-weight: 600; }
td.removed { background: var(--rem-bg); color: var(--rem-fg); font-weight: 600; }
td.removed .k { text-decoration: line-through; }
td.kept { color: var(--fg); }
td.absent { color: #8c959f; }
.banner { padding: 8px 12px; border-radius: 6px; margin: 8px 0; border: 1px solid; }
.banner.warn { background: var(--warn-bg); color: var(--warn-fg); border-color: #eed888; }
.banner.block { background: var(--rem-bg); color: var(--rem-fg); border-color: #ffcecb; }
.banner.ok { background: var(--add-bg); color: var(--add-fg); border-color: #aceebb; }
section.site { margin-top: 28px; }
section.scan { margin: 14px 0 22px; padding: 8px 14px 4px; border: 1px solid #eed888; border-radius: 6px;
  background: #fffdf0; }
section.scan h3 { margin-top: 6px; }
section.scan table { width: 100%; table-layout: fixed; }
section.scan td { overflow-wrap: anywhere; }
section.scan col.kind { width: 12%; } section.scan col.where { width: 24%; } section.scan col.found { width: 25%; }
section.scan col.change { width: 27%; } section.scan col.projects { width: 12%; }
.cat { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px;
  background: var(--soft); border: 1px solid var(--line); }
.cat.reference, .cat.hidden-grant { background: var(--rem-bg); color: var(--rem-fg); border-color: #ffcecb; }
.cat.review, .cat.not-scanned { background: var(--warn-bg); color: var(--warn-fg); border-color: #eed888; }
article.scheme { margin: 14px 0 22px; padding-left: 12px; border-left: 4px solid var(--line); }
.legend span { margin-right: 14px; }
.legend .sw { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px; border: 1px solid var(--line); }
ul.notes { margin: 4px 0 8px; padding-left: 20px; }
details summary { cursor: pointer; }
nav ol { margin: 4px 0; }
@media print { body { padding: 0; } article.scheme, table { break-inside: avoid; } details { display: block; } }
"""


def _cell_html(state: str, perm: str) -> str:
    label = {
        "added": "+ added",
        "removed": '&minus; <span class="k">removed</span>',
        "kept": "&#10003; kept",
        "absent": "&mdash;",
    }[state]
    title = {"added": "added by this plan", "removed": "removed by this plan", "kept": "held before and after", "absent": "not held"}[state]
    return f'<td class="{state}" title="{title}">{label}</td>'


def _chip(inner_html: str, kind: str = "") -> str:
    return f'<span class="chip{(" " + kind) if kind else ""}">{inner_html}</span>'


def _facts(rows: Iterable[tuple[str, str]]) -> str:
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _scheme_html(e: ReportEntry, s: SchemeDiff, cols: list[str], anchor: str) -> str:
    out = [f'<article class="scheme" id="{anchor}">']
    out.append(
        f'<h3>{_h(s.scheme_name)} <span class="muted mono">scheme {s.scheme_id}</span></h3>'
    )
    chips = [
        _chip(f"+{s.grants_added} grant{'s' if s.grants_added != 1 else ''}", "add" if s.grants_added else ""),
        _chip(f"&minus;{s.grants_removed} grant{'s' if s.grants_removed != 1 else ''}", "rem" if s.grants_removed else ""),
        f'<span class="chip">{s.grants_before} &rarr; {s.grants_after} grants in the scheme</span>',
    ]
    out.append('<div class="chips">' + "".join(chips) + "</div>")
    projects = _projects(e, s)
    if projects is None:
        out.append('<p class="muted">Projects affected: not mapped (the plan was made without the project list).</p>')
    elif not s.projects:
        out.append("<p>Projects affected: <em>none</em> (no project uses this scheme).</p>")
    elif len(s.projects) <= PROJECTS_INLINE:
        out.append(f"<p>Projects affected ({len(s.projects)}): <span class=\"mono\">{_h(projects)}</span></p>")
    else:
        head = ", ".join(s.projects[:PROJECTS_INLINE])
        out.append(
            f"<details><summary>Projects affected ({len(s.projects)}): <span class=\"mono\">{_h(head)}, &hellip;</span>"
            f"</summary><p class=\"mono\">{_h(projects)}</p></details>"
        )
    head = "".join(f"<th>{_h(c)}</th>" for c in cols)
    out.append(f'<table class="grants"><thead><tr><th>Holder</th>{head}<th>Other permissions</th></tr></thead><tbody>')
    for h in s.holders:
        cells = "".join(_cell_html(_cell_state(h, c), c) for c in cols)
        other = f"{h.other_unchanged} unchanged" if h.other_unchanged else "&mdash;"
        addon = ' <span class="muted">(app access role)</span>' if h.holder.is_addon_role else ""
        out.append(f"<tr><td>{_h(h.holder.display)}{addon}</td>{cells}<td class=\"absent\">{other}</td></tr>")
    out.append("</tbody></table>")
    if s.unchanged_holders:
        out.append(
            f'<p class="muted">{s.unchanged_holders} other {_h(e.plan.rule.source)} holder'
            f'{"s" if s.unchanged_holders != 1 else ""} already {"have" if s.unchanged_holders != 1 else "has"} '
            "what the rule gives and stay as they are.</p>"
        )
    if s.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{_h(n)}</li>" for n in s.notes) + "</ul>")
    out.append("</article>")
    return "\n".join(out)


def _scan_html(scan: ScanResult, idx: int) -> str:
    """Also on this site: what the permission-scheme plan does not change, and what to change by hand."""
    out = [f'<section class="scan" id="site-{idx}-scan">',
           "<h3>Also on this site: beyond permission schemes</h3>"]
    if not scan.findings:
        out.append(f"<p>{_h(_sentence(scan_summary(scan)))} (scanned {_h(scan.created_at or '?')}).</p></section>")
        return "\n".join(out)
    out.append(f'<p>{_h(_sentence(scan_summary(scan)))}. migrate changes none of these: each row says where, what is '
               f'there, and the change to make. <span class="muted">Scanned {_h(scan.created_at or "?")}.</span></p>')
    out.append('<table><colgroup><col class="kind"><col class="where"><col class="found"><col class="change">'
               '<col class="projects"></colgroup><thead><tr><th>Kind</th><th>Where</th><th>Found</th>'
               "<th>Suggested change</th><th>Projects</th></tr></thead><tbody>")
    for category, findings in scan.by_category().items():
        label = _h(category.replace("-", " "))
        for f in findings:
            projects = ", ".join(f.projects[:PROJECTS_INLINE]) + (" …" if len(f.projects) > PROJECTS_INLINE else "")
            out.append(f'<tr><td><span class="cat {_h(category)}">{label}</span></td><td>{_h(f.where)}</td>'
                       f"<td>{_h(f.found)}</td><td>{_h(f.suggestion)}</td><td class=\"mono\">{_h(projects or '—')}</td></tr>")
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _site_html(e: ReportEntry, idx: int) -> str:
    p, d = e.plan, e.diff
    rule = p.rule
    t = d.totals
    out = [f'<section class="site" id="site-{idx}">']
    out.append(f"<h2>Site {idx}: {_h(e.title)}</h2>")
    facts = [
        ("URL", f'<span class="mono">{_h(p.site.get("url", ""))}</span>'),
        ("Server", _h(" ".join(x for x in (p.site.get("server_title", ""), f"({p.site.get('deployment_type')})" if p.site.get("deployment_type") else "") if x) or "?")),
        ("Rule", f"<strong>{_h(rule.name)}</strong>: {_h(rule.source)} &rarr; {_h(' + '.join(rule.targets))}"),
    ]
    if rule.description:
        facts.append(("", f'<span class="muted">{_h(rule.description)}</span>'))
    if rule.policy:
        facts.append(("Holder policy", _h(_policy_text(rule))))
    facts += [
        ("Mode", _h(MODE_TEXT.get(p.mode, p.mode))),
        ("Plan", f'<span class="mono">{_h(e.source or "(in memory)")}</span>'),
        ("Plan id", f'<span class="mono">{_h(e.plan_id)}</span>'),
        ("Made", _h(f"{p.created_at or '?'} by migrate {p.tool_version or '?'}")),
    ]
    out.append(_facts(facts))
    proj = "projects not mapped" if t.get("projects_affected") is None else f"{t['projects_affected']} projects affected"
    out.append(
        '<div class="chips">'
        f'<span class="chip">{t["schemes_changed"]} scheme{"s" if t["schemes_changed"] != 1 else ""} changed</span>'
        f'<span class="chip">{t["schemes_unchanged"]} unchanged</span>'
        + _chip(f"+{t['grants_added']} grants", "add" if t["grants_added"] else "")
        + _chip(f"&minus;{t['grants_removed']} grants", "rem" if t["grants_removed"] else "")
        + f'<span class="chip">{_h(proj)}</span>'
        "</div>"
    )
    if not d.applicable:
        out.append(f'<div class="banner block"><strong>Apply is blocked on this site.</strong> {_h(_sentence(d.apply_blocked_reason))}</div>')
    if d.empty:
        out.append('<div class="banner ok">No changes: every holder already has what the rule gives it.</div>')
    notes = _site_notes(e)
    if notes:
        out.append('<ul class="notes">' + "".join(f"<li>{_h(n)}</li>" for n in notes) + "</ul>")
    if e.scan is not None:
        out.append(_scan_html(e.scan, idx))
    cols = _columns(e)
    for j, s in enumerate(d.schemes, 1):
        out.append(_scheme_html(e, s, cols, f"site-{idx}-scheme-{j}"))
    if d.unchanged_schemes:
        ids = ", ".join(str(i) for i in d.unchanged_schemes)
        out.append(f'<p class="muted">Schemes needing no change ({len(d.unchanged_schemes)}): <span class="mono">{_h(ids)}</span></p>')
    out.append("</section>")
    return "\n".join(out)


def render_html(entries: Sequence[ReportEntry], *, generated_at: str | None = None, title: str | None = None) -> str:
    title = title or "Permission scheme change report"
    gen = generated_at or _now()
    tot = _totals(entries)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        # Nothing in this page may be fetched: it must render the same offline, in a mail client or a browser.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(title)}</h1>",
        f'<p class="meta">Generated {_h(gen)} by migrate {_h(__version__)} from {len(entries)} plan'
        f'{"s" if len(entries) != 1 else ""}. Approve the plan ids below: <code>migrate apply</code> refuses any '
        "plan file whose checksum differs, and skips any scheme changed since it was planned.</p>",
    ]
    # summary
    parts.append("<h2>Summary</h2>")
    parts.append(
        '<div class="chips">'
        f'<span class="chip">{tot["sites"]} site{"s" if tot["sites"] != 1 else ""}</span>'
        f'<span class="chip">{tot["schemes_changed"]} schemes changed</span>'
        + _chip(f"+{tot['grants_added']} grants", "add" if tot["grants_added"] else "")
        + _chip(f"&minus;{tot['grants_removed']} grants", "rem" if tot["grants_removed"] else "")
        + (f'<span class="chip rem">{tot["blocked"]} blocked</span>' if tot["blocked"] else "")
        + "</div>"
    )
    parts.append(
        '<table class="summary"><thead><tr><th>Site</th><th>URL</th><th>Rule</th><th>Mode</th>'
        '<th class="num">Schemes changed</th><th class="num">Grants added</th><th class="num">Grants removed</th>'
        '<th class="num">Projects affected</th><th>Plan id</th><th>Apply</th></tr></thead><tbody>'
    )
    for i, e in enumerate(entries, 1):
        t = e.diff.totals
        proj = "n/a" if t.get("projects_affected") is None else t["projects_affected"]
        status = (
            '<td class="removed">blocked: site lacks ' + _h(", ".join(e.diff.missing_keys)) + "</td>"
            if not e.diff.applicable
            else ('<td class="kept">nothing to do</td>' if e.diff.empty else '<td class="kept">ready</td>')
        )
        parts.append(
            f'<tr><td><a href="#site-{i}">{_h(e.title)}</a></td><td class="mono">{_h(e.plan.site.get("url", ""))}</td>'
            f"<td>{_h(e.plan.rule.name)}</td><td>{_h(e.plan.mode)}</td>"
            f'<td class="num">{t["schemes_changed"]}</td><td class="num">{t["grants_added"]}</td>'
            f'<td class="num">{t["grants_removed"]}</td><td class="num">{_h(proj)}</td>'
            f'<td class="mono">{_h(e.plan_id)}</td>{status}</tr>'
        )
    parts.append("</tbody></table>")
    parts.append(
        '<p class="legend muted"><span><span class="sw" style="background:#dafbe1"></span>+ added by the plan</span>'
        '<span><span class="sw" style="background:#ffebe9"></span>&minus; removed by the plan</span>'
        "<span>&#10003; kept: held before and after</span><span>&mdash; not held</span></p>"
    )
    # holders gaining only one target
    rows = one_target_rows(entries)
    targets = list(dict.fromkeys(t for e in entries for t in e.plan.rule.targets))
    parts.append(f"<h2>Holders gaining only one of {_h(' / '.join(targets))}</h2>")
    if not rows:
        parts.append(
            '<div class="banner ok">None: every holder that gains a new permission gains all of the rule&rsquo;s '
            "targets.</div>"
        )
    else:
        parts.append(
            '<div class="banner warn">Check these are intended: a holder with VIEW_PROJECTS but not VIEW_ISSUES '
            "can find the project but not open its issues.</div>"
        )
        parts.append(
            "<table><thead><tr><th>Site</th><th>Scheme</th><th>Holder</th><th>Gains</th><th>Ends with</th>"
            "<th>Why</th></tr></thead><tbody>"
        )
        for r in rows:
            parts.append(
                f"<tr><td>{_h(r.site)}</td><td>{_h(r.scheme_name)} <span class=\"muted mono\">{r.scheme_id}</span></td>"
                f"<td>{_h(r.holder)}</td><td class=\"added\">{_h(', '.join(r.gains))}</td>"
                f"<td>{_h(', '.join(r.ends_with) or '—')}</td><td>{_h(r.why)}</td></tr>"
            )
        parts.append("</tbody></table>")
    for i, e in enumerate(entries, 1):
        parts.append(_site_html(e, i))
    parts.append("</body>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------------------------------ Markdown

_MD_ESCAPE = re.compile(r"([\\`*_\[\]|~#!])")


def _m(x: object) -> str:
    """Site data in Markdown: no raw HTML, no emphasis/links/table breaks, one line."""
    s = " ".join(str(x).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_ESCAPE.sub(r"\\\1", s)


def _md_cell(state: str, perm: str) -> str:
    return {
        "added": "**+ added**",
        "removed": "**− ~~removed~~**",
        "kept": "✓ kept",
        "absent": "—",
    }[state]


def _scan_markdown(scan: ScanResult) -> list[str]:
    L = ["", "### Also on this site: beyond permission schemes", ""]
    if not scan.findings:
        return L + [f"{_m(_sentence(scan_summary(scan)))}."]
    L.append(f"{_m(_sentence(scan_summary(scan)))}. migrate changes none of these; scanned {_m(scan.created_at or '?')}.")
    L += ["", "| Kind | Where | Found | Suggested change | Projects |", "|---|---|---|---|---|"]
    for category, findings in scan.by_category().items():
        for f in findings:
            L.append(f"| {_m(CATEGORY_TITLES.get(category, category))} | {_m(f.where)} | {_m(f.found)} | "
                     f"{_m(f.suggestion)} | {_m(', '.join(f.projects) or '—')} |")
    return L


def render_markdown(entries: Sequence[ReportEntry], *, generated_at: str | None = None, title: str | None = None) -> str:
    title = title or "Permission scheme change report"
    gen = generated_at or _now()
    tot = _totals(entries)
    L: list[str] = [f"# {_m(title)}", ""]
    L.append(
        f"Generated {_m(gen)} by migrate {__version__} from {len(entries)} plan{'s' if len(entries) != 1 else ''}. "
        "`migrate apply` refuses any plan whose checksum differs from the plan id approved here."
    )
    L += ["", "## Summary", ""]
    L.append(
        f"{tot['sites']} site(s), {tot['schemes_changed']} scheme(s) changed, "
        f"+{tot['grants_added']} / −{tot['grants_removed']} grants"
        + (f", {tot['blocked']} blocked" if tot["blocked"] else "")
        + "."
    )
    L += ["", "| Site | URL | Rule | Mode | Schemes changed | Grants added | Grants removed | Projects affected | Plan id | Apply |",
          "|---|---|---|---|--:|--:|--:|--:|---|---|"]
    for e in entries:
        t = e.diff.totals
        proj = "n/a" if t.get("projects_affected") is None else t["projects_affected"]
        status = (
            f"**blocked**: site lacks {_m(', '.join(e.diff.missing_keys))}"
            if not e.diff.applicable
            else ("nothing to do" if e.diff.empty else "ready")
        )
        L.append(
            f"| {_m(e.title)} | {_m(e.plan.site.get('url', ''))} | {_m(e.plan.rule.name)} | {_m(e.plan.mode)} | "
            f"{t['schemes_changed']} | {t['grants_added']} | {t['grants_removed']} | {proj} | `{e.plan_id}` | {status} |"
        )
    L += ["", "Legend: **+ added** by the plan, **− ~~removed~~** by the plan, ✓ kept (held before and after), — not held."]
    rows = one_target_rows(entries)
    targets = list(dict.fromkeys(t for e in entries for t in e.plan.rule.targets))
    L += ["", f"## Holders gaining only one of {_m(' / '.join(targets))}", ""]
    if not rows:
        L.append("None: every holder that gains a new permission gains all of the rule's targets.")
    else:
        L.append("Check these are intended: a holder with VIEW\\_PROJECTS but not VIEW\\_ISSUES can find the project "
                 "but not open its issues.")
        L += ["", "| Site | Scheme | Holder | Gains | Ends with | Why |", "|---|---|---|---|---|---|"]
        for r in rows:
            L.append(
                f"| {_m(r.site)} | {_m(r.scheme_name)} ({r.scheme_id}) | {_m(r.holder)} | **{_m(', '.join(r.gains))}** | "
                f"{_m(', '.join(r.ends_with) or '—')} | {_m(r.why)} |"
            )
    for i, e in enumerate(entries, 1):
        p, d = e.plan, e.diff
        rule = p.rule
        t = d.totals
        L += ["", f"## Site {i}: {_m(e.title)}", ""]
        L.append(f"- URL: {_m(p.site.get('url', ''))}")
        server = " ".join(x for x in (p.site.get("server_title", ""), f"({p.site.get('deployment_type')})" if p.site.get("deployment_type") else "") if x)
        L.append(f"- Server: {_m(server or '?')}")
        L.append(f"- Rule: **{_m(rule.name)}**: {_m(rule.source)} → {_m(' + '.join(rule.targets))}")
        if rule.policy:
            L.append(f"- Holder policy: {_m(_policy_text(rule))}")
        L.append(f"- Mode: {_m(MODE_TEXT.get(p.mode, p.mode))}")
        L.append(f"- Plan: {_m(e.source or '(in memory)')}, id `{e.plan_id}`, made {_m(p.created_at or '?')} by migrate {_m(p.tool_version or '?')}")
        proj = "not mapped" if t.get("projects_affected") is None else t["projects_affected"]
        L.append(
            f"- Totals: {t['schemes_changed']} scheme(s) changed, {t['schemes_unchanged']} unchanged, "
            f"+{t['grants_added']} / −{t['grants_removed']} grants, {proj} project(s) affected"
        )
        if not d.applicable:
            L += ["", f"> **Apply is blocked on this site.** {_m(_sentence(d.apply_blocked_reason))}"]
        if d.empty:
            L += ["", "No changes: every holder already has what the rule gives it."]
        for n in _site_notes(e):
            L.append(f"- Note: {_m(n)}")
        if e.scan is not None:
            L += _scan_markdown(e.scan)
        cols = _columns(e)
        for s in d.schemes:
            L += ["", f"### {_m(s.scheme_name)} (scheme {s.scheme_id})", ""]
            L.append(f"+{s.grants_added} / −{s.grants_removed} grants; {s.grants_before} → {s.grants_after} grants in the scheme.")
            projects = _projects(e, s)
            if projects is None:
                L.append("Projects affected: not mapped.")
            else:
                L.append(f"Projects affected ({len(s.projects)}): {_m(projects) if s.projects else 'none'}")
            L += ["", "| Holder | " + " | ".join(_m(c) for c in cols) + " | Other permissions |",
                  "|---|" + "---|" * len(cols) + "---|"]
            for h in s.holders:
                cells = " | ".join(_md_cell(_cell_state(h, c), c) for c in cols)
                other = f"{h.other_unchanged} unchanged" if h.other_unchanged else "—"
                addon = " (app access role)" if h.holder.is_addon_role else ""
                L.append(f"| {_m(h.holder.display)}{addon} | {cells} | {other} |")
            if s.unchanged_holders:
                L += ["", f"{s.unchanged_holders} other {_m(rule.source)} holder(s) need nothing."]
            for n in s.notes:
                L.append(f"- Note: {_m(n)}")
        if d.unchanged_schemes:
            L += ["", f"Schemes needing no change ({len(d.unchanged_schemes)}): {', '.join(map(str, d.unchanged_schemes))}"]
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------------------------------ output


def render(entries: Sequence[ReportEntry], fmt: str = "html", **kw) -> str:
    if fmt == "html":
        return render_html(entries, **kw)
    if fmt in ("md", "markdown"):
        return render_markdown(entries, **kw)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_report(text: str, path: Path | str) -> Path:
    """Reports name users and groups: written atomically, 0600, like every file holding site data."""
    return atomic_write_text(Path(path), text)
