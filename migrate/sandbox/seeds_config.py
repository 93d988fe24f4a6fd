"""Seeded configuration beyond permission schemes: statuses, workflows, workflow schemes and saved filters,
with references to BROWSE_PROJECTS planted where a site-wide scan must find them, and decoys where it
must not (the key inside a text search, a description, a post function's field value, another permission).

Cloud sites only (Data Center serves none of these endpoints). Drawn from an RNG of its own, so adding
configuration leaves the permission schemes of every seed exactly as they were. The demo is written out
by hand (tests list its planted references); larger sites repeat the same templates with planted and
clean variants chosen by the RNG.
"""

from __future__ import annotations

import random
import uuid

from migrate.sandbox.config import (
    ConditionGroup,
    Filter,
    Rule,
    Share,
    Status,
    Transition,
    Workflow,
    WorkflowScheme,
    WorkflowStatus,
)
from migrate.sandbox.state import Project, SiteState

STATUSES = (("10001", "To Do", "TODO"), ("10002", "In Progress", "IN_PROGRESS"), ("10003", "Done", "DONE"),
            ("10004", "In Review", "IN_PROGRESS"), ("10005", "Waiting for support", "TODO"),
            ("10006", "Waiting for customer", "IN_PROGRESS"), ("10007", "Approved", "DONE"),
            ("10008", "Blocked", "IN_PROGRESS"))
TODO, PROGRESS, DONE, REVIEW, WAIT_SUPPORT, WAIT_CUSTOMER, APPROVED, BLOCKED = (s[0] for s in STATUSES)
BUG, STORY, TASK, EPIC, SUBTASK = "10003", "10001", "10002", "10004", "10005"
ADMIN_ROLE, SD_TEAM_ROLE, SD_CUSTOMER_ROLE = "10002", "10200", "10201"


class _Ids:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


# ---- rules: each written in both APIs' vocabularies ----------------------------------------------------
def _form(legacy_type: str, configuration: dict | None = None) -> dict:
    return {"type": legacy_type, **({"configuration": configuration} if configuration is not None else {})}


def restrict(ids: _Ids, *, permissions: str | None = None, roles: str | None = None, legacy: bool = True,
             planted: bool = False) -> Rule:
    """system:restrict-issue-transition; in the older API, one PermissionCondition per key (or a role condition)."""
    params: dict[str, str] = {}
    forms: list[dict] = []
    if permissions is not None:
        params["permissionKeys"] = permissions
        forms += [_form("PermissionCondition", {"permissionKey": k}) for k in permissions.split(",")]
    if roles is not None:
        params["roleIds"] = roles
        forms += [_form("InProjectRoleCondition", {"projectRoleId": r}) for r in roles.split(",")]
    return Rule(ids.uuid(), "system:restrict-issue-transition", params, tuple(forms) if legacy else (), planted)


def check_permission(ids: _Ids, key: str, *, planted: bool = False) -> Rule:
    return Rule(ids.uuid(), "system:check-permission-validator", {"permissionKey": key},
                (_form("PermissionValidator", {"permissionKey": key}),), planted)


def field_required(ids: _Ids, field_id: str) -> Rule:
    return Rule(ids.uuid(), "system:validate-field-value",
                {"ruleType": "fieldRequired", "fieldsRequired": field_id, "ignoreContext": "true",
                 "errorMessage": f"{field_id} is required"},
                (_form("FieldRequiredValidator", {"fields": [field_id], "ignoreContext": True}),))


def update_field(ids: _Ids, field_id: str, value: str) -> Rule:
    return Rule(ids.uuid(), "system:update-field", {"field": field_id, "value": value, "mode": "replace"},
                (_form("UpdateIssueFieldFunction", {"fieldId": field_id, "fieldValue": value}),))


def unknown_app_condition(ids: _Ids) -> Rule:
    """An app's condition migrate has never heard of: reported as unknown, never dropped."""
    return Rule(ids.uuid(), "com.acme.approvals:quorum-condition", {"quorum": "2", "group": "approvers"},
                (_form("com.acme.jira.workflow.QuorumCondition", {"quorum": 2}),))


def connect_expression(ids: _Ids, expression: str) -> Rule:
    """A Connect app's Jira-expression validator: its text is the app's, so a mention is for review."""
    return Rule(ids.uuid(), "connect:expression-validator",
                {"appKey": "com.acme.expressions", "config": '{"expression": "%s"}' % expression.replace('"', "'"),
                 "id": ids.uuid(), "disabled": "false", "tag": ""})


# ---- the demo's workflows, by hand ----------------------------------------------------------------------
def _statuses(*ids: str, props: dict[str, dict[str, str]] | None = None,
              planted: dict[str, set[str]] | None = None) -> list[WorkflowStatus]:
    return [WorkflowStatus(i, dict((props or {}).get(i, {})), set((planted or {}).get(i, set()))) for i in ids]


def jira_default(ids: _Ids) -> Workflow:
    return Workflow(ids.uuid(), ids.uuid(), "jira", "The default Jira workflow.",
                    _statuses(TODO, PROGRESS, DONE),
                    [Transition("1", "Create", TODO, type="INITIAL"),
                     Transition("11", "To Do", TODO, type="GLOBAL"),
                     Transition("21", "In Progress", PROGRESS, type="GLOBAL"),
                     Transition("31", "Done", DONE, type="GLOBAL")],
                    is_default=True)


def software_workflow(ids: _Ids, name: str, *, plant: set[str]) -> Workflow:
    """plant: which of nested-condition, validator, multi-key, status-property to make refer to BROWSE."""
    start = ConditionGroup("ALL", [restrict(ids, permissions="TRANSITION_ISSUES")], [
        ConditionGroup("ANY", [restrict(ids, roles=ADMIN_ROLE),
                               restrict(ids, permissions="BROWSE_PROJECTS" if "nested" in plant else "WORK_ON_ISSUES",
                                        planted="nested" in plant)])])
    review_validators = [field_required(ids, "assignee"),
                         check_permission(ids, "BROWSE_PROJECTS" if "validator" in plant else "EDIT_ISSUES",
                                          planted="validator" in plant)]
    done = ConditionGroup("ALL", [restrict(ids, permissions="ADMINISTER_PROJECTS,BROWSE_PROJECTS" if "multi" in plant
                                           else "ADMINISTER_PROJECTS,RESOLVE_ISSUES", planted="multi" in plant)])
    review_props = {"jira.issue.editable": "true"}
    review_planted: set[str] = set()
    if "status-property" in plant:
        review_props["jira.permission.browse.group"] = "jira-software-users"
        review_planted.add("jira.permission.browse.group")
    return Workflow(
        ids.uuid(), ids.uuid(), name,
        # a decoy: the key in prose is not a rule
        "Development workflow. Reviewers need BROWSE_PROJECTS on the project (see the permission scheme).",
        _statuses(TODO, PROGRESS, REVIEW, DONE, props={REVIEW: review_props, DONE: {"jira.issue.editable": "false"}},
                  planted={REVIEW: review_planted}),
        [Transition("1", "Create", TODO, type="INITIAL", validators=[check_permission(ids, "CREATE_ISSUES")]),
         Transition("11", "Start Progress", PROGRESS, [TODO], conditions=start),
         Transition("21", "Submit for review", REVIEW, [PROGRESS], validators=review_validators),
         Transition("31", "Done", DONE, [REVIEW], conditions=done,
                    # a decoy: a post function writing the text into a field checks no permission
                    actions=[update_field(ids, "customfield_10070", "BROWSE_PROJECTS reviewed")]),
         Transition("41", "Reopen", TODO, [DONE])])


def service_workflow(ids: _Ids, name: str, *, plant: set[str]) -> Workflow:
    waiting_props = {"jira.permission.comment.group": "jira-servicemanagement-users"}  # decoy: another permission
    waiting_planted: set[str] = set()
    if "subtask-property" in plant:
        waiting_props["jira.permission.subtasks.browse.projectrole.1"] = SD_TEAM_ROLE
        waiting_planted.add("jira.permission.subtasks.browse.projectrole.1")
    escalate = Transition("41", "Escalate", BLOCKED, [WAIT_SUPPORT, WAIT_CUSTOMER])
    if "transition-property" in plant:
        escalate.properties["jira.permission.browse.projectrole.2"] = SD_CUSTOMER_ROLE
        escalate.planted_properties.add("jira.permission.browse.projectrole.2")
    approve = Transition("51", "Approve", APPROVED, [WAIT_SUPPORT],
                         conditions=ConditionGroup("ALL", [unknown_app_condition(ids)]) if "unknown" in plant else None)
    if "legacy-name" in plant:
        # an old export, re-imported: the permission named the pre-key way, lower case, with stray space
        approve.validators.append(Rule(ids.uuid(), "system:check-permission-validator",
                                       {"permissionKey": " browse_projects"},
                                       (_form("PermissionValidator", {"permission": "Browse Projects"}),),
                                       planted=True))
    if "app-expression" in plant:
        approve.validators.append(connect_expression(ids, "user.hasPermission('BROWSE_PROJECTS', issue.project)"))
    return Workflow(
        ids.uuid(), ids.uuid(), name, "Service requests.",
        _statuses(WAIT_SUPPORT, WAIT_CUSTOMER, BLOCKED, APPROVED, DONE, props={WAIT_CUSTOMER: waiting_props},
                  planted={WAIT_CUSTOMER: waiting_planted}),
        [Transition("1", "Create", WAIT_SUPPORT, type="INITIAL"),
         Transition("11", "Respond to customer", WAIT_CUSTOMER, [WAIT_SUPPORT],
                    # malformed but harmless: a restriction with no parameters at all
                    conditions=ConditionGroup("ALL", [Rule(ids.uuid(), "system:restrict-issue-transition", {},
                                                           (_form("PermissionCondition", {}),))])),
         Transition("21", "Back to support", WAIT_SUPPORT, [WAIT_CUSTOMER]),
         escalate, approve,
         Transition("61", "Resolve", DONE, [APPROVED, WAIT_CUSTOMER])])


def team_managed_workflow(ids: _Ids, project: Project, *, plant: bool) -> Workflow:
    cond = ConditionGroup("ALL", [restrict(ids, permissions="BROWSE_PROJECTS" if plant else "EDIT_ISSUES",
                                           legacy=False, planted=plant)])
    return Workflow(ids.uuid(), ids.uuid(), f"Software Simplified Workflow for Project {project.key}",
                    "Generated by Jira Software version 1001.0.0-SNAPSHOT.",
                    _statuses(TODO, PROGRESS, DONE),
                    [Transition("1", "Create", TODO, type="INITIAL"),
                     Transition("11", "To Do", TODO, type="GLOBAL"),
                     Transition("21", "In Progress", PROGRESS, type="GLOBAL", conditions=cond),
                     Transition("31", "Done", DONE, type="GLOBAL")],
                    scope_project=project.id)


# ---- filters ---------------------------------------------------------------------------------------------
PLANTED_JQL = (
    'project in projectsWhereUserHasPermission("Browse Projects") AND resolution = Unresolved ORDER BY updated DESC',
    "project IN projectsWhereUserHasPermission(BROWSE_PROJECTS) ORDER BY created DESC",
    "project in projectswhereuserhaspermission('browse projects') and statusCategory != Done",
    'type = Bug AND project in projectsWhereUserHasPermission( "BROWSE_PROJECTS" )',
)
DECOY_JQL = (
    'text ~ "projectsWhereUserHasPermission(\\"Browse Projects\\")" AND project = DOCS',
    'summary ~ "BROWSE_PROJECTS" OR labels = browse_projects',
    'project in projectsWhereUserHasPermission("Resolve Issues") AND assignee = currentUser()',
    "assignee = currentUser() AND statusCategory != Done ORDER BY priority DESC",
    'project in projectsWhereUserHasRole("Browse Projects")',
)


def _add_filter(site: SiteState, name: str, owner: str, jql: str, shares: list[Share], *, planted: bool,
                favourites: int = 0) -> Filter:
    fid = 10000 + len(site.filters)
    f = Filter(fid, name, owner, jql, f"{name} (saved search)", shares, favourites, planted)
    site.filters[fid] = f
    return f


# ---- wiring ----------------------------------------------------------------------------------------------
def _schemes_and_projects(site: SiteState, by_type: dict[str, str], spare: list[str], ids: _Ids) -> None:
    """One workflow scheme per classic workflow; projects take the scheme of their type."""
    site.workflow_schemes.append(WorkflowScheme(None, "Default Workflow Scheme",
                                                "Default Workflow Scheme for classic projects.", "jira"))
    next_id = 10100
    made: dict[str, int] = {}
    for wf_name in list(dict.fromkeys(list(by_type.values()) + spare)):
        if wf_name == "jira":
            continue
        mappings = {BUG: "jira"} if wf_name in by_type.values() else {}
        site.workflow_schemes.append(WorkflowScheme(next_id, f"{wf_name} Scheme", f"Uses {wf_name}.", wf_name,
                                                    mappings))
        made[wf_name] = next_id
        next_id += 1
    for p in site.projects.values():
        if p.simplified:
            continue
        wf = by_type.get(p.type_key, "jira")
        p.workflow_scheme = made.get(wf)  # None: the Default Workflow Scheme


def build_demo(site: SiteState, rng: random.Random) -> None:
    ids = _Ids(rng)
    people = sorted((u for u in site.users.values() if u.email.startswith("user")), key=lambda u: u.email)
    admin = next(u for u in site.users.values() if site.is_admin(u))  # whatever its (test-chosen) email
    teams = [g for g in site.groups.values() if g.name.endswith("-team")]
    workflows = [
        jira_default(ids),
        software_workflow(ids, "Acme Software Workflow", plant={"nested", "validator", "multi", "status-property"}),
        service_workflow(ids, "Acme Service Desk Workflow",
                         plant={"subtask-property", "transition-property", "unknown", "legacy-name", "app-expression"}),
        software_workflow(ids, "Acme Business Workflow", plant=set()),  # clean: every check names another key
        software_workflow(ids, "Legacy Approval Workflow", plant={"validator"}),  # in a scheme no project uses
    ]
    for p in sorted(site.projects.values(), key=lambda p: p.id):
        if p.simplified:
            workflows.append(team_managed_workflow(ids, p, plant=True))
    for w in workflows:
        site.workflows[w.id] = w
    _schemes_and_projects(site, {"software": "Acme Software Workflow", "service_desk": "Acme Service Desk Workflow",
                                 "business": "Acme Business Workflow"}, ["Legacy Approval Workflow"], ids)
    classic = sorted((p for p in site.projects.values() if not p.simplified and p.status == "live"), key=lambda p: p.key)
    shares = [[Share("group", teams[0].id)], [], [Share("loggedin")],
              [Share("project", classic[0].id), Share("projectRole", (classic[0].id, int(ADMIN_ROLE)))]]
    owners = [people[1].account_id, admin.account_id, people[2].account_id, people[3].account_id]
    names = ["Projects I can browse", "Admin: everything browsable", "Old browse filter", "Bugs where I browse"]
    for name, owner, jql, share in zip(names, owners, PLANTED_JQL, shares):
        _add_filter(site, name, owner, jql, share, planted=True, favourites=3)
    decoy_names = ["Docs mentioning browse", "Browse label", "Projects I can resolve", "My open work",
                   "Projects where I hold the Browse Projects role"]
    for i, (name, jql) in enumerate(zip(decoy_names, DECOY_JQL)):
        _add_filter(site, name, people[(i + 4) % len(people)].account_id, jql,
                    [Share("global")] if i % 2 else [Share("user", people[0].account_id)], planted=False)


def build_generated(site: SiteState, rng: random.Random) -> None:
    """Larger sites: the demo's templates repeated, each planted variant drawn by the RNG."""
    ids = _Ids(rng)
    workflows = [jira_default(ids)]
    n_classic = max(4, len(site.projects) // 12)
    kinds = ("nested", "validator", "multi", "status-property")
    service_kinds = ("subtask-property", "transition-property", "unknown", "legacy-name", "app-expression")
    for i in range(n_classic):
        if i % 3 == 2:
            plant = {k for k in service_kinds if rng.random() < 0.2}
            workflows.append(service_workflow(ids, f"Service Workflow {i + 1:03d}", plant=plant))
        else:
            plant = {k for k in kinds if rng.random() < 0.15}
            workflows.append(software_workflow(ids, f"Software Workflow {i + 1:03d}", plant=plant))
    for p in sorted(site.projects.values(), key=lambda p: p.id):
        if p.simplified:
            workflows.append(team_managed_workflow(ids, p, plant=rng.random() < 0.3))
    for w in workflows:
        site.workflows[w.id] = w
    classic = [w.name for w in workflows[1:] if w.scope_project is None]
    site.workflow_schemes.append(WorkflowScheme(None, "Default Workflow Scheme",
                                                "Default Workflow Scheme for classic projects.", "jira"))
    scheme_of: dict[str, int] = {}
    for i, name in enumerate(classic):
        scheme_of[name] = 10100 + i
        site.workflow_schemes.append(WorkflowScheme(10100 + i, f"{name} Scheme", f"Uses {name}.", name,
                                                    {BUG: "jira"} if i % 2 else {}))
    unused = set(rng.sample(classic, k=max(1, len(classic) // 10)))  # schemes no project uses
    used = [n for n in classic if n not in unused]
    for p in sorted(site.projects.values(), key=lambda p: p.id):
        if p.simplified:
            continue
        pick = rng.random()
        p.workflow_scheme = None if pick < 0.15 or not used else scheme_of[rng.choice(used)]
    people = sorted((u for u in site.users.values() if u.email.startswith("user")), key=lambda u: u.email)
    teams = sorted((g for g in site.groups.values() if g.name.endswith("-team")), key=lambda g: g.name)
    live = sorted((p for p in site.projects.values() if p.status == "live"), key=lambda p: p.id)
    n_filters = max(10, len(site.projects) // 2)
    for i in range(n_filters):
        planted = rng.random() < 0.12
        jql = rng.choice(PLANTED_JQL if planted else DECOY_JQL)
        kind = rng.choice(("private", "group", "project", "loggedin", "global"))
        share = {"private": [], "group": [Share("group", rng.choice(teams).id)],
                 "project": [Share("project", rng.choice(live).id)], "loggedin": [Share("loggedin")],
                 "global": [Share("global")]}[kind]
        _add_filter(site, f"Saved search {i + 1:04d}", rng.choice(people).account_id, jql, share, planted=planted,
                    favourites=rng.randrange(6))


def plant_config(site: SiteState, *, demo: bool, random_seed: int, schemes: int) -> None:
    if not site.cloud:
        return  # Data Center serves no workflow or filter endpoints (scan reads exported XML there)
    for sid, name, category in STATUSES:
        site.statuses[sid] = Status(sid, name, category)
    rng = random.Random(f"config:{random_seed}:{schemes}")
    (build_demo if demo else build_generated)(site, rng)
