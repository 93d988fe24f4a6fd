"""Data the codemod returns: findings, per-file results, and the rule catalogue.

Everything here is plain data (frozen dataclasses, dicts for JSON); rendering is the CLI's job.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, fields

OLD_KEY = "BROWSE_PROJECTS"
OLD_ALIAS = "BROWSE"  # deprecated alias that Jira still accepts in a few places (mypermissions, Connect)
VIEW_PROJECTS = "VIEW_PROJECTS"
VIEW_ISSUES = "VIEW_ISSUES"
NEW_KEYS = (VIEW_PROJECTS, VIEW_ISSUES)

# Classifications: every site the codemod sees is exactly one of these.
REWRITTEN = "rewritten"
NEEDS_REVIEW = "needs-review"
REPORT_ONLY = "report-only"
CLASSIFICATIONS = (REWRITTEN, NEEDS_REVIEW, REPORT_ONLY)

# Contexts a permission check can be in.
PROJECT = "project"
ISSUE = "issue"


def keys_for(context: str) -> tuple[str, ...]:
    """The keys that replace BROWSE_PROJECTS in a check made in `context`."""
    return (VIEW_PROJECTS,) if context == PROJECT else NEW_KEYS


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    short: str
    full: str


# One entry per pattern family (a rule module), plus the catch-alls. Ids are stable: SARIF and --json use them.
RULES: dict[str, RuleInfo] = {
    r.id: r
    for r in (
        RuleInfo(
            "url-query",
            "PermissionKeyInUrlQuery",
            "BROWSE_PROJECTS in a `permissions=` query parameter",
            "A permission check URL (mypermissions, user/permission/search...) lists BROWSE_PROJECTS. "
            "In project context (projectKey/projectId) it becomes VIEW_PROJECTS; in issue context "
            "(issueKey/issueId) VIEW_PROJECTS and VIEW_ISSUES. Without a static context it needs review.",
        ),
        RuleInfo(
            "check-body",
            "PermissionKeyInCheckBody",
            "BROWSE_PROJECTS in a permission check request body or query-parameter object",
            "A POST /permissions/check body (`projectPermissions: [{permissions, projects, issues}]`), a "
            "POST /permissions/project body, or an object of query parameters names BROWSE_PROJECTS. "
            "`issues`/issueKey mean issue context (both new keys); `projects`/projectKey mean VIEW_PROJECTS.",
        ),
        RuleInfo(
            "response-read",
            "PermissionResponseRead",
            "Code reads BROWSE_PROJECTS from a permissions response",
            "`permissions.BROWSE_PROJECTS.havePermission` and similar reads must follow the request: in "
            "project context they read VIEW_PROJECTS, in issue context both VIEW_PROJECTS and VIEW_ISSUES "
            "must be true. The codemod pairs a read with the request in the same function or file.",
        ),
        RuleInfo(
            "grant",
            "PermissionSchemeGrant",
            "A permission-scheme grant written by key",
            "Grant code (Terraform, grant JSON/YAML, grant objects in code) gets VIEW_PROJECTS and "
            "VIEW_ISSUES grants added next to the BROWSE_PROJECTS one, which is kept.",
        ),
        RuleInfo(
            "grant-filter",
            "PermissionKeyFilter",
            "Code filters grants or keys by `== \"BROWSE_PROJECTS\"`",
            "Where the code keeps books on grants (audit, report, export), a comparison with BROWSE_PROJECTS "
            "becomes a membership test on BROWSE_PROJECTS, VIEW_PROJECTS and VIEW_ISSUES. A filter that decides "
            "access, or whose purpose the code does not tell, needs review: VIEW_PROJECTS alone never grants issues.",
        ),
        RuleInfo(
            "connect-condition",
            "ConnectPermissionCondition",
            "Connect descriptor condition has_project_permission / has_issue_permission",
            "`has_project_permission` with BROWSE_PROJECTS becomes VIEW_PROJECTS; `has_issue_permission` "
            "becomes an `and` composite condition requiring VIEW_PROJECTS and VIEW_ISSUES.",
        ),
        RuleInfo(
            "forge-manifest",
            "ForgeManifestPermission",
            "BROWSE_PROJECTS in a Forge manifest",
            "A Forge manifest names BROWSE_PROJECTS (e.g. in a display condition or Jira expression); the "
            "codemod cannot tell which context it runs in.",
        ),
        RuleInfo(
            "server-api",
            "DataCenterPermissionApi",
            "Jira Data Center / Server plugin permission API",
            "ProjectPermissions.BROWSE_PROJECTS, Permissions.BROWSE and ProjectPermissionKey(\"BROWSE_PROJECTS\") "
            "belong to the Data Center Java API, which has no new keys: reported, never rewritten.",
        ),
        RuleInfo(
            "indirect",
            "PermissionKeyThroughConstant",
            "BROWSE_PROJECTS held in a constant, enum, variable or type",
            "The key is defined once and used elsewhere; the use sites decide the context, so the codemod "
            "does not guess.",
        ),
        RuleInfo(
            "assertion",
            "PermissionKeyInAssertion",
            "A test assertion names BROWSE_PROJECTS",
            "assert, expect(...), assertEquals, assertThat, shouldBe and the like state what the code under test "
            "does: they are never rewritten, and the code beside them changes only by hand.",
        ),
        RuleInfo(
            "key-variant",
            "PermissionKeySpelling",
            "Another spelling of BROWSE_PROJECTS",
            "Lower-case keys (browse_projects), the display name (\"Browse Projects\", as in JQL's "
            "projectsWhereUserHasPermission) and Connect's short name browse: reported, never rewritten.",
        ),
        RuleInfo(
            "unrecognised",
            "PermissionKeyElsewhere",
            "BROWSE_PROJECTS in a position the codemod does not recognise",
            "Text, messages, expressions or data that name BROWSE_PROJECTS in a shape none of the rules know.",
        ),
    )
}


@dataclass(frozen=True)
class Edit:
    """Replace source[start:end] (character offsets) with `text`. start == end is an insertion."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    file: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    language: str
    rule: str
    classification: str
    message: str
    original: str
    replacement: str | None = None
    context: str | None = None  # "project" | "issue" | None
    edits: tuple[Edit, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict:
        # every field but the edits; each is a str, an int or None, so asdict's deep copy is not needed
        return {name: getattr(self, name) for name in _FINDING_FIELDS}


_FINDING_FIELDS = tuple(f.name for f in fields(Finding) if f.name != "edits")


@dataclass(frozen=True)
class Result:
    """What `rewrite` returns for one file's source."""

    language: str
    source: str
    new_source: str
    findings: tuple[Finding, ...]

    @property
    def changed(self) -> bool:
        return self.new_source != self.source


@dataclass(frozen=True)
class FileResult:
    """One file of a run: its result, or why it was skipped or failed."""

    path: str  # as given/walked, relative where the input was relative
    language: str | None
    findings: tuple[Finding, ...] = ()
    source: str | None = None  # kept only when the file changes (diff/write need it)
    new_source: str | None = None
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.new_source is not None and self.source is not None and self.new_source != self.source


@dataclass
class RunReport:
    mode: str
    files_scanned: int = 0  # files of a supported language that were read (or prefiltered)
    files_matched: int = 0  # files that passed the cheap prefilter and were parsed
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): every file or folder named
    results: list[FileResult] = field(default_factory=list)  # files with findings, changes or errors
    written: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def changed_files(self) -> list[FileResult]:
        return [r for r in self.results if r.changed]

    def counts(self) -> dict[str, int]:
        c = {k: 0 for k in CLASSIFICATIONS}
        for f in self.findings:
            c[f.classification] += 1
        return c

    def skip(self, reason: str, path: str | None = None, *, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count
        if path is not None:
            self.skipped_files.append((path, reason))


class LineIndex:
    """Offsets to 1-based (line, column) positions."""

    def __init__(self, source: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def pos(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1
