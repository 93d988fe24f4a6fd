"""JSON shapes of site configuration (Cloud /rest/api/3), as the official scan subset declares them:
workflows through the bulk API (JiraWorkflow) and the older workflow search (Workflow), workflow schemes
and their project associations, saved filters (FilterDetails with SharePermission).
"""

from __future__ import annotations

from typing import Any

from migrate.sandbox.config import ConditionGroup, Filter, Rule, Share, Transition, Workflow, WorkflowScheme
from migrate.sandbox.render import Renderer

OLD_TYPES = {"INITIAL": "initial", "GLOBAL": "global", "DIRECTED": "directed"}


class ConfigRenderer:
    def __init__(self, r: Renderer):
        self.r = r
        self.site = r.site
        self.root = r.root

    # ---- bulk workflows API ----------------------------------------------------------------------
    @staticmethod
    def rule(rule: Rule) -> dict[str, Any]:
        return {"id": rule.id, "parameters": dict(rule.parameters), "ruleKey": rule.key}

    def group(self, g: ConditionGroup) -> dict[str, Any]:
        return {"conditionGroups": [self.group(x) for x in g.groups],
                "conditions": [self.rule(x) for x in g.rules], "operation": g.operation}

    def transition(self, t: Transition) -> dict[str, Any]:
        links = [{"fromPort": 0, "fromStatusReference": s, "toPort": 1} for s in t.sources]
        out: dict[str, Any] = {"actions": [self.rule(a) for a in t.actions], "description": t.description,
                               "id": t.id, "links": links, "name": t.name, "properties": dict(t.properties),
                               "toStatusReference": t.to, "triggers": [], "type": t.type,
                               "validators": [self.rule(v) for v in t.validators]}
        if t.conditions is not None:
            out["conditions"] = self.group(t.conditions)
        return out

    def workflow(self, w: Workflow, *, transitions: bool) -> dict[str, Any]:
        scope: dict[str, Any] = {"type": "GLOBAL"}
        if w.scope_project is not None:
            scope = {"type": "PROJECT", "project": {"id": str(w.scope_project)}}
        out: dict[str, Any] = {
            "description": w.description, "id": w.id, "isEditable": not w.is_default, "name": w.name, "scope": scope,
            "startPointLayout": {"x": -100.0, "y": -150.0},
            "statuses": [{"deprecated": False, "layout": {"x": 120.0 * i, "y": -16.0}, "properties": dict(s.properties),
                          "statusReference": s.status_id} for i, s in enumerate(w.statuses)],
            "version": {"id": w.entity_id, "versionNumber": 3},
        }
        if transitions:
            out["transitions"] = [self.transition(t) for t in w.transitions]
        return out

    def status(self, sid: str) -> dict[str, Any]:
        s = self.site.statuses[sid]
        return {"description": "", "id": s.id, "name": s.name, "scope": {"type": "GLOBAL"},
                "statusCategory": s.category, "statusReference": s.id}

    def statuses_of(self, workflows: list[Workflow]) -> list[dict[str, Any]]:
        ids = sorted({s.status_id for w in workflows for s in w.statuses}, key=int)
        return [self.status(i) for i in ids]

    # ---- older workflow search -------------------------------------------------------------------
    @staticmethod
    def old_nodes(rule: Rule) -> list[dict[str, Any]]:
        return [dict(node) for node in rule.legacy]

    def old_condition(self, g: ConditionGroup) -> dict[str, Any] | None:
        nodes: list[dict[str, Any]] = []
        for rule in g.rules:
            forms = [{"nodeType": "simple", **n} for n in self.old_nodes(rule)]
            if len(forms) > 1:
                nodes.append({"nodeType": "compound", "operator": "OR", "conditions": forms})
            else:
                nodes.extend(forms)
        for sub in g.groups:
            node = self.old_condition(sub)
            if node is not None:
                nodes.append(node)
        if not nodes:
            return None
        if len(nodes) == 1:
            return nodes[0]
        return {"nodeType": "compound", "operator": "AND" if g.operation == "ALL" else "OR", "conditions": nodes}

    def old_transition(self, t: Transition, expand: frozenset[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": t.id, "name": t.name, "description": t.description, "from": list(t.sources),
                               "to": t.to, "type": OLD_TYPES[t.type]}
        if "transitions.rules" in expand:
            rules: dict[str, Any] = {}
            tree = self.old_condition(t.conditions) if t.conditions is not None else None
            if tree is not None:
                rules["conditionsTree"] = tree
            rules["validators"] = [n for v in t.validators for n in self.old_nodes(v)]
            rules["postFunctions"] = [n for a in t.actions for n in self.old_nodes(a)]
            out["rules"] = rules
        if "transitions.properties" in expand:
            out["properties"] = dict(t.properties)
        return out

    def old_workflow(self, w: Workflow, expand: frozenset[str], schemes: list[WorkflowScheme]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": {"name": w.name, "entityId": w.entity_id}, "description": w.description}
        if expand & {"transitions", "transitions.rules", "transitions.properties"}:
            out["transitions"] = [self.old_transition(t, expand) for t in w.transitions]
        if expand & {"statuses", "statuses.properties"}:
            out["statuses"] = []
            for s in w.statuses:
                st: dict[str, Any] = {"id": s.status_id, "name": self.site.statuses[s.status_id].name}
                if "statuses.properties" in expand:
                    st["properties"] = dict(s.properties)
                out["statuses"].append(st)
        if "default" in expand:
            out["isDefault"] = w.is_default
        using = [ws for ws in schemes if w.name in ws.workflow_names()]
        if "schemes" in expand:
            out["schemes"] = [{"id": str(ws.id), "name": ws.name} for ws in using if ws.id is not None]
        if "projects" in expand:
            projects = [p for p in self.site.projects.values() if p.status == "live" and not p.simplified
                        and any(p.workflow_scheme == ws.id for ws in using)]
            out["projects"] = [self.project_details(p) for p in sorted(projects, key=lambda p: p.key)]
        if "hasDraftWorkflow" in expand:
            out["hasDraftWorkflow"] = False
        if "operations" in expand:
            out["operations"] = {"canDelete": False, "canEdit": not w.is_default}
        out["created"] = w.created
        out["updated"] = w.updated
        return out

    def project_details(self, p) -> dict[str, Any]:
        out = {"avatarUrls": self.r.avatars("project", p.id), "id": str(p.id), "key": p.key, "name": p.name,
               "projectTypeKey": p.type_key, "self": f"{self.root}/project/{p.id}", "simplified": p.simplified}
        if p.category:
            out["projectCategory"] = {"id": p.category[0], "name": p.category[1],
                                      "self": f"{self.root}/projectCategory/{p.category[0]}"}
        return out

    # ---- workflow schemes --------------------------------------------------------------------------
    def workflow_scheme(self, ws: WorkflowScheme) -> dict[str, Any]:
        out: dict[str, Any] = {"defaultWorkflow": ws.default_workflow, "description": ws.description}
        if ws.id is not None:  # the Default Workflow Scheme is stored without an id
            out["id"] = ws.id
        out["issueTypeMappings"] = dict(ws.mappings)
        out["name"] = ws.name
        if ws.id is not None:
            out["self"] = f"{self.root}/workflowscheme/{ws.id}"
        return out

    # ---- filters ---------------------------------------------------------------------------------------
    def share(self, i: int, s: Share) -> dict[str, Any]:
        site = self.site
        out: dict[str, Any] = {"id": 10000 + i, "type": s.type}
        if s.type == "group":
            out["group"] = self.r.group_ref(s.ref)
        elif s.type == "project":
            out["project"] = self.share_project(site.projects[s.ref])
        elif s.type == "projectRole":
            pid, rid = s.ref
            out["type"] = "project"  # Jira answers a role share as type project with a role
            out["project"] = self.share_project(site.projects[pid])
            role = site.roles[rid]
            out["role"] = {"id": role.id, "name": role.name, "self": f"{self.root}/project/{pid}/role/{role.id}"}
        elif s.type == "user":
            u = site.users[s.ref]
            out["user"] = {"accountId": u.account_id, "active": u.active, "displayName": u.display_name,
                           "self": f"{self.root}/user?accountId={u.account_id}"}
        return out

    def share_project(self, p) -> dict[str, Any]:
        return {"avatarUrls": self.r.avatars("project", p.id), "id": str(p.id), "key": p.key, "name": p.name,
                "projectTypeKey": p.type_key, "self": f"{self.root}/project/{p.id}", "simplified": p.simplified}

    def filter(self, f: Filter, expand: frozenset[str]) -> dict[str, Any]:
        site = self.site
        base = self.r.base
        out: dict[str, Any] = {
            "expand": "description,owner,jql,viewUrl,searchUrl,favourite,favouritedCount,sharePermissions,"
                      "editPermissions,isWritable,subscriptions,approximateLastUsed",
            "id": str(f.id), "name": f.name, "self": f"{self.root}/filter/{f.id}"}
        if "description" in expand:
            out["description"] = f.description
        if "owner" in expand:
            out["owner"] = self.r.user_ref(site.users[f.owner])
        if "jql" in expand:
            out["jql"] = f.jql
        if "viewUrl" in expand:
            out["viewUrl"] = f"{base}/issues/?filter={f.id}"
        if "favouritedCount" in expand:
            out["favouritedCount"] = f.favourite_count
        if "sharePermissions" in expand:
            out["sharePermissions"] = [self.share(i, s) for i, s in enumerate(f.shares)]
        if "editPermissions" in expand:
            out["editPermissions"] = []
        return out
