"""Run the audit over paths: find the app descriptors and the source files (the codemod's walker: .gitignore,
vendored and build trees, minified and binary files are skipped the same way), extract the calls, give
each file to its app and audit every app.

Which app a file belongs to: with one descriptor, every scanned file; with several, the app whose root
(its descriptor's directory; the project above `src/main/resources` for Spring Boot / Maven) holds the
file most deeply. Test sources (`__tests__/`, `*.test.ts`, `src/test/`, `test_*.py`...) are skipped unless
asked for: a mocked URL in a test is not a call the app makes. When no descriptor is among the scanned
files, the nearest one above the first path is used (`migrate scopes src/` in a Forge app).
"""

from __future__ import annotations

import functools
import os
import re
import time
from typing import Callable

from migrate.errors import EXIT_USAGE, MigrateError
from migrate.scopes import descriptors as D
from migrate.scopes.audit import audit_app, resolve
from migrate.scopes.calls import extract as extract_tree
from migrate.scopes.groovy_calls import extract as extract_groovy
from migrate.scopes.model import CLASSES, REVIEW, WARNING, AuditReport, Call, FileCalls, Finding, Marker
from migrate.scopes.paths import DYNAMIC, parse_url
from migrate.scopes.operations import table
from migrate.scopes.source import MAX_BYTES, LineIndex, display_path, iter_candidates

CODE_LANGUAGES = frozenset({"javascript", "typescript", "tsx", "java", "kotlin", "python", "go", "php", "groovy"})
TEST_DIRS = frozenset({"test", "tests", "__tests__", "__mocks__", "spec", "specs", "e2e", "cypress", "testdata", "fixtures"})
TEST_FILE_RE = re.compile(
    r"(?:\.(?:test|spec)\.[cm]?[jt]sx?$|^test_[^/]*\.py$|_test\.(?:py|go)$|(?:Test|Tests|Spec|IT)\.(?:java|kt|groovy)$|^conftest\.py$)"
)
TEMPLATE_EXTS = (".html", ".htm", ".hbs", ".handlebars", ".mustache", ".ejs", ".vue", ".svelte", ".jsp", ".erb", ".twig", ".njk", ".jinja", ".j2")
# A URL inside quotes/backticks, template placeholders allowed; stops at the closing quote or a space.
TEMPLATE_URL_RE = re.compile(r"""["'`]([^"'`\s<>]*rest/[^"'`\s<>]*)""")
PLACEHOLDER_RE = re.compile(r"\{\{.*?\}\}|\$\{.*?\}|<%.*?%>|\{%.*?%\}")
DESCRIPTOR_NAMES = ("atlassian-connect.json", "manifest.yml", "manifest.yaml", os.path.join("src", "main", "resources", "atlassian-connect.json"))


class NoAppError(MigrateError):
    """No Connect descriptor or Forge manifest in or above the given paths."""

    exit_code = EXIT_USAGE


def is_test_path(rel: str) -> bool:
    parts = rel.replace(os.sep, "/").split("/")
    return any(p in TEST_DIRS for p in parts[:-1]) or bool(TEST_FILE_RE.search(parts[-1]))


def read_source(path: str) -> tuple[str | None, str | None]:
    """(text, skip reason or error). Binary, non-UTF-8, huge and minified files are skipped."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise OSError(f"cannot read: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        return None, "too-large"
    if b"\0" in data[:8192]:
        return None, "binary"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not-utf8"
    if path.endswith((".js", ".mjs", ".cjs")) and len(text) > 20_000 and len(text) / (text.count("\n") + 1) > 1000:
        return None, "minified"
    return text, None


def template_calls(path: str, text: str) -> FileCalls:
    """Jira REST URLs in a page template (HTML, Handlebars, Vue...), read as text: the method is not known
    and template placeholders (`{{key}}`, `${key}`, `<%= key %>`) are run-time pieces."""
    lines = LineIndex(text)
    calls = []
    for m in TEMPLATE_URL_RE.finditer(text):
        url = PLACEHOLDER_RE.sub(DYNAMIC, m.group(1))
        if parse_url(url) is None:
            continue
        l1, c1 = lines.pos(m.start(1))
        l2, c2 = lines.pos(m.end(1))
        why = "a URL in a template file, read as text (the call around it is not parsed)"
        calls.append(Call(path, "template", l1, c1, l2, c2, url, None, why, "", m.group(1)[:200]))
    return FileCalls(calls, [])


def extract(path: str, lang: str, text: str) -> FileCalls:
    return extract_groovy(path, text) if lang == "groovy" else extract_tree(path, lang, text)


def _descriptors_above(paths: list[str]):
    """Descriptor files in the directories above the paths, nearest first, up to the repository root."""
    for given in paths:
        d = os.path.abspath(given if os.path.isdir(given) else os.path.dirname(given) or ".")
        while True:
            for name in DESCRIPTOR_NAMES:
                cand = os.path.join(d, name)
                if os.path.isfile(cand):
                    yield cand
            parent = os.path.dirname(d)
            if parent == d or os.path.exists(os.path.join(d, ".git")):
                break
            d = parent


def run(
    paths: list[str],
    *,
    include_vendored: bool = False,
    include_tests: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Scan `paths` and audit every app found. Raises FileNotFoundError for a path that does not exist and
    NoAppError when no descriptor is in or above them (usage errors, before any work)."""
    for p in paths:
        if not os.path.lexists(p):
            raise FileNotFoundError(p)
    t0 = time.perf_counter()
    tbl = table()
    report = AuditReport(table_source=tbl.source)
    apps: list[D.App] = []
    files: dict[str, FileCalls] = {}
    # walked paths are joined onto the path given, so the part below it is a plain string suffix
    prefixes = ["" if os.path.normpath(p) == "." else os.path.normpath(p) + os.sep for p in paths if os.path.isdir(p)]

    def relative(path: str) -> str:
        for prefix in prefixes:
            if path.startswith(prefix):
                return path[len(prefix) :]
        return os.path.basename(path)

    def add_descriptor(path: str) -> None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            report.errors.append((path, f"cannot read: {getattr(e, 'strerror', None) or e}"))
            return
        try:
            app = D.read(path, text)
        except D.DescriptorError as e:
            report.errors.append((e.path, e.message))
            return
        if app is not None:
            apps.append(app)

    done = 0
    templates: list[str] = []

    def on_skip(reason: str, path: str) -> None:
        if reason in ("unsupported", "unsupported-walked") and path.lower().endswith(TEMPLATE_EXTS):
            templates.append(path)  # read as text below: Connect pages call AP.request from <script> blocks
        else:
            report.skip(reason)

    for c in iter_candidates(paths, include_vendored=include_vendored, on_skip=on_skip):
        done += 1
        if progress and done % 200 == 0:
            progress(done, 0)
        if D.is_descriptor(c.path):
            add_descriptor(c.path)
            continue
        if c.language not in CODE_LANGUAGES:
            continue
        if not include_tests and is_test_path(relative(c.path)):
            report.skip("test")
            continue
        report.files_scanned += 1
        try:
            text, reason = read_source(c.path)
        except OSError as e:
            report.errors.append((c.path, str(e)))
            continue
        if text is None:
            report.skip(reason or "skipped")
            continue
        try:
            fc = extract(c.path, c.language, text)
        except Exception as e:  # noqa: BLE001 - one bad file must not stop an app-wide audit
            report.errors.append((c.path, f"internal error: {type(e).__name__}: {e}"))
            continue
        if fc.calls or fc.markers:
            files[c.path] = fc
    for path in templates:
        if not include_tests and is_test_path(relative(path)):
            report.skip("test")
            continue
        report.files_scanned += 1
        try:
            text, reason = read_source(path)
        except OSError as e:
            report.errors.append((path, str(e)))
            continue
        if text is None:
            report.skip(reason or "skipped")
        elif "rest/" in text:
            fc = template_calls(path, text)
            if fc.calls:
                files[path] = fc
    if progress:
        progress(done, done)
    if not apps and not report.errors:
        for above in _descriptors_above(paths):  # the nearest that is an app (not another tool's manifest.yml)
            add_descriptor(above)
            if apps or report.errors:
                break
    # an app whose root is above every path given was only partly read: excess can only be "possibly"
    given_dirs = [os.path.abspath(p) for p in paths if os.path.isdir(p)]
    partial = {a.descriptor for a in apps if not any(_within(a.root, g) for g in given_dirs)}
    if not apps and not report.errors:
        raise NoAppError(
            "no atlassian-connect.json or Forge manifest.yml in " + ", ".join(paths) + " or above it",
            hint="pass the app's directory (the one holding its descriptor or manifest)",
        )
    report.files_with_calls = sum(1 for fc in files.values() if fc.calls)
    report.calls = sum(len(fc.calls) for fc in files.values())
    _audit(report, apps, files, partial)
    report.seconds = time.perf_counter() - t0
    return report


def owners(path: str, apps: list[D.App]) -> list[D.App]:
    """The apps a source file belongs to: every app when there is one; else the deepest roots holding it."""
    if len(apps) == 1:
        return list(apps)
    ap = os.path.abspath(path)
    holding = [a for a in apps if (ap + os.sep).startswith(a.root.rstrip(os.sep) + os.sep)]
    if not holding:
        return []
    deepest = max(len(a.root) for a in holding)
    return [a for a in holding if len(a.root) == deepest]


def _within(path: str, directory: str) -> bool:
    return (path.rstrip(os.sep) + os.sep).startswith(directory.rstrip(os.sep) + os.sep)


def _audit(report: AuditReport, apps: list[D.App], files: dict[str, FileCalls], partial: set[str]) -> None:
    tbl = table()
    display = functools.lru_cache(maxsize=None)(display_path)  # one relpath per file, for this run only
    per_app: dict[str, tuple[list[Call], list[Marker]]] = {a.descriptor: ([], []) for a in apps}
    outside: list[Call] = []
    for path in sorted(files):
        fc = files[path]
        mine = owners(path, apps)
        for a in mine:
            per_app[a.descriptor][0].extend(fc.calls)
            per_app[a.descriptor][1].extend(fc.markers)
        if not mine:
            outside.extend(fc.calls)
    findings: list[Finding] = []
    for app in sorted(apps, key=lambda a: a.descriptor):
        calls, markers = per_app[app.descriptor]
        unscanned = display(app.root) + "/" if app.descriptor in partial else None
        rep, fs = audit_app(app, calls, markers, tbl, shared=outside, unscanned=unscanned, display=display)
        report.apps.append(rep)
        findings.extend(fs)
    for c in outside:
        res = resolve(c, tbl)
        target = res.path.display if res.path else "a URL built at run time"
        findings.append(
            Finding(c.file, c.line, c.column, c.end_line, c.end_column, REVIEW, "outside-app",
                    f"{c.method or 'a request'} to {target} in a file under no scanned app: counted as possibly needed by every app",
                    None, c.method, res.path.display if res.path else None, ", ".join(o.operation_id for o in res.operations) or None, (), c.snippet)
        )
    # at one position the call's own finding comes first, then its warnings
    order = {k: i for i, k in enumerate(CLASSES)}
    report.findings = sorted(
        findings, key=lambda f: (display(f.file), f.line, f.column, f.classification == WARNING, order[f.classification], f.kind, f.app or "")
    )
