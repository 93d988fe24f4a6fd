"""What a Jira site knows before any data: permission keys, holder types, system roles, app roles.

Permission ids, keys, names and descriptions follow Jira's built-in permissions (Cloud spec, REFERENCE.md §4).
``VIEW_PROJECTS`` / ``VIEW_ISSUES`` exist only on sites "with the new keys" (REFERENCE.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass

NEW_KEYS = ("VIEW_PROJECTS", "VIEW_ISSUES")

# A Forge app's project permission: keys are not always [A-Z_]+ (REFERENCE.md §3.10).
FORGE_PERMISSION_KEY = (
    "ari:cloud:ecosystem::extension/7d6e1f0a-5b2c-4c61-9a53-2f1c3e8b9d40/"
    "0f4f9b8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b/static/view-timesheets"
)


@dataclass(frozen=True)
class PermissionDef:
    id: str
    key: str
    name: str
    type: str  # GLOBAL | PROJECT
    description: str
    cloud: bool = True
    dc: bool = True


_G = "GLOBAL"
_P = "PROJECT"

PERMISSIONS: tuple[PermissionDef, ...] = (
    # global
    PermissionDef("0", "ADMINISTER", "Administer Jira", _G,
                  "Create and administer projects, issue types, fields, workflows, and schemes for all projects."),
    PermissionDef("44", "SYSTEM_ADMIN", "Jira System Administrators", _G,
                  "Ability to perform all administration functions."),
    PermissionDef("27", "USER_PICKER", "Browse users and groups", _G,
                  "View and select users or groups from the user picker, and share issues."),
    PermissionDef("22", "CREATE_SHARED_OBJECTS", "Share dashboards and filters", _G,
                  "Share dashboards and filters with other users."),
    PermissionDef("24", "MANAGE_GROUP_FILTER_SUBSCRIPTIONS", "Manage group filter subscriptions", _G,
                  "Create and delete group filter subscriptions."),
    PermissionDef("33", "BULK_CHANGE", "Make bulk changes", _G,
                  "Modify collections of issues at once. For example, resolve multiple issues in one step."),
    # project: administration
    PermissionDef("23", "ADMINISTER_PROJECTS", "Administer Projects", _P,
                  "Ability to administer a project in Jira."),
    PermissionDef("10900", "EDIT_WORKFLOW", "Edit Workflows", _P,
                  "Ability to edit a workflow.", dc=False),
    PermissionDef("10901", "EDIT_ISSUE_LAYOUT", "Edit Issue Layouts", _P,
                  "Ability to edit an issue layout.", dc=False),
    # project: project
    PermissionDef("10", "BROWSE_PROJECTS", "Browse Projects", _P,
                  "Ability to browse projects and the issues within them."),
    PermissionDef("47", "VIEW_PROJECTS", "View Projects", _P,
                  "Ability to find and view projects in the project directory and in project pickers."),
    PermissionDef("48", "VIEW_ISSUES", "View Issues", _P,
                  "Ability to view issues within projects."),
    PermissionDef("10800", "MANAGE_SPRINTS_PERMISSION", "Manage sprints", _P,
                  "Ability to manage sprints."),
    PermissionDef("10700", "SERVICEDESK_AGENT", "Service Desk Agent", _P,
                  "Allows users to interact with customers and access Jira Service Management features of a project."),
    PermissionDef("29", "VIEW_DEV_TOOLS", "View Development Tools", _P,
                  "Allows users to view development-related information on the issue, such as commits and builds."),
    PermissionDef("45", "VIEW_READONLY_WORKFLOW", "View Read-Only Workflow", _P,
                  "Users with this permission may view a read-only version of a workflow."),
    # issues
    PermissionDef("17", "ASSIGNABLE_USER", "Assignable User", _P, "Users with this permission may be assigned to issues."),
    PermissionDef("13", "ASSIGN_ISSUES", "Assign Issues", _P, "Ability to assign issues to other people."),
    PermissionDef("18", "CLOSE_ISSUES", "Close Issues", _P,
                  "Ability to close issues. Often useful where your developers resolve issues, and a QA department closes them."),
    PermissionDef("11", "CREATE_ISSUES", "Create Issues", _P, "Ability to create issues."),
    PermissionDef("16", "DELETE_ISSUES", "Delete Issues", _P, "Ability to delete issues."),
    PermissionDef("12", "EDIT_ISSUES", "Edit Issues", _P, "Ability to edit issues."),
    PermissionDef("21", "LINK_ISSUES", "Link Issues", _P,
                  "Ability to link issues together and create linked issues. Only useful if issue linking is turned on."),
    PermissionDef("30", "MODIFY_REPORTER", "Modify Reporter", _P,
                  "Ability to modify the reporter when creating or editing an issue."),
    PermissionDef("25", "MOVE_ISSUES", "Move Issues", _P,
                  "Ability to move issues between projects or between workflows of the same project (if applicable)."),
    PermissionDef("14", "RESOLVE_ISSUES", "Resolve Issues", _P,
                  "Ability to resolve and reopen issues. This includes the ability to set a fix version."),
    PermissionDef("28", "SCHEDULE_ISSUES", "Schedule Issues", _P,
                  "Ability to view or edit an issue's due date."),
    PermissionDef("26", "SET_ISSUE_SECURITY", "Set Issue Security", _P,
                  "Ability to set the level of security on an issue so that only people in that security level can see the issue."),
    PermissionDef("46", "TRANSITION_ISSUES", "Transition Issues", _P, "Ability to transition issues."),
    # voters and watchers
    PermissionDef("32", "MANAGE_WATCHERS", "Manage Watchers", _P, "Ability to manage the watchers of an issue."),
    PermissionDef("31", "VIEW_VOTERS_AND_WATCHERS", "View Voters and Watchers", _P,
                  "Ability to view the voters and watchers of an issue."),
    # comments
    PermissionDef("15", "ADD_COMMENTS", "Add Comments", _P, "Ability to comment on issues."),
    PermissionDef("36", "DELETE_ALL_COMMENTS", "Delete All Comments", _P, "Ability to delete all comments made on issues."),
    PermissionDef("37", "DELETE_OWN_COMMENTS", "Delete Own Comments", _P, "Ability to delete own comments made on issues."),
    PermissionDef("34", "EDIT_ALL_COMMENTS", "Edit All Comments", _P, "Ability to edit all comments made on issues."),
    PermissionDef("35", "EDIT_OWN_COMMENTS", "Edit Own Comments", _P, "Ability to edit own comments made on issues."),
    # attachments
    PermissionDef("19", "CREATE_ATTACHMENTS", "Create Attachments", _P, "Users with this permission may create attachments."),
    PermissionDef("38", "DELETE_ALL_ATTACHMENTS", "Delete All Attachments", _P,
                  "Users with this permission may delete all attachments."),
    PermissionDef("39", "DELETE_OWN_ATTACHMENTS", "Delete Own Attachments", _P,
                  "Users with this permission may delete own attachments."),
    # time tracking
    PermissionDef("43", "DELETE_ALL_WORKLOGS", "Delete All Worklogs", _P, "Ability to delete all worklogs made on issues."),
    PermissionDef("42", "DELETE_OWN_WORKLOGS", "Delete Own Worklogs", _P, "Ability to delete own worklogs made on issues."),
    PermissionDef("41", "EDIT_ALL_WORKLOGS", "Edit All Worklogs", _P, "Ability to edit all worklogs made on issues."),
    PermissionDef("40", "EDIT_OWN_WORKLOGS", "Edit Own Worklogs", _P, "Ability to edit own worklogs made on issues."),
    PermissionDef("20", "WORK_ON_ISSUES", "Work On Issues", _P,
                  "Ability to log work done against an issue. Only useful if Time Tracking is turned on."),
    # an app-defined (Forge) project permission
    PermissionDef("10950", FORGE_PERMISSION_KEY, "View timesheets (Timesheets for Jira)", _P,
                  "Added by the Timesheets for Jira app: ability to view the timesheets of a project.", dc=False),
)


def permission_catalogue(flavour: str, new_keys: bool) -> dict[str, PermissionDef]:
    """The permissions a site of this flavour knows, keyed by key, in display order."""
    out = {}
    for p in PERMISSIONS:
        if p.key in NEW_KEYS and not new_keys:
            continue
        if (flavour == "cloud" and not p.cloud) or (flavour == "dc" and not p.dc):
            continue
        out[p.key] = p
    return out


# The eleven documented holder types (Cloud spec), plus one app-registered type the seeds use so that
# clients meet a type they do not know (REFERENCE.md §4: "pass unknown types through unchanged").
DOCUMENTED_HOLDER_TYPES = (
    "anyone",
    "applicationRole",
    "assignee",
    "group",
    "groupCustomField",
    "projectLead",
    "projectRole",
    "reporter",
    "sd.customer.portal.only",
    "user",
    "userCustomField",
)
APP_HOLDER_TYPE = "com.acme.approvals:approver-group"
NO_PARAMETER_TYPES = frozenset({"anyone", "assignee", "projectLead", "reporter", "sd.customer.portal.only"})

ADDON_ROLE_NAME = "atlassian-addons-project-access"


@dataclass(frozen=True)
class RoleDef:
    id: int
    name: str
    description: str
    cloud: bool = True
    dc: bool = True


ROLES: tuple[RoleDef, ...] = (
    RoleDef(10002, "Administrators", "A project role that represents administrators in a project"),
    RoleDef(10001, "Developers", "A project role that represents developers in a project", cloud=False),
    RoleDef(10000, "Users", "A project role that represents users in a project", cloud=False),
    RoleDef(10003, ADDON_ROLE_NAME,
            "A project role that represents Connect add-ons declaring a scope that requires more than read "
            "access", dc=False),
    RoleDef(10100, "Member", "Members can create, edit and comment on the issues of a project"),
    RoleDef(10101, "Viewer", "Viewers can search through, view, and comment on the issues of a project"),
    RoleDef(10200, "Service Desk Team", "Members of the service desk team"),
    RoleDef(10201, "Service Desk Customers", "Customers of the service desk"),
    RoleDef(10300, "Tempo Project Managers", "Project managers for Tempo (added by an app)"),
)


def roles_for(flavour: str) -> dict[int, RoleDef]:
    return {r.id: r for r in ROLES if (r.cloud if flavour == "cloud" else r.dc)}


# Application (product) roles; an applicationRole holder without a parameter means "any logged-in user".
APPLICATION_ROLES = {
    "jira-software": "Jira Software",
    "jira-servicedesk": "Jira Service Management",
    "jira-product-discovery": "Jira Product Discovery",
}
