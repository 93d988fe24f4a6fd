"""Seeded, realistic Jira sites.

A site is generated from (number of schemes, random seed) only, so the same parameters always give the
same site, byte for byte. The flavour (Cloud / Data Center) and the new keys change how things are spelled
and whether VIEW_* grants exist, not the shape of the site: ``legacy`` is ``demo`` without the VIEW_*
grants, and ``dc`` is ``demo`` spelled the Data Center way.

What every generated site has (tests in tests/sandbox/test_seeds.py hold it to this):
* every documented holder type (anyone, applicationRole with and without parameter, assignee, group,
  groupCustomField, projectLead, projectRole, reporter, sd.customer.portal.only, user, userCustomField)
  and one app-registered holder type the tool does not know;
* on Cloud, the ``atlassian-addons-project-access`` role on every permission that has any grant, and on
  every built-in permission that existed before the split (so a scheme not migrated yet has no VIEW_*
  grants at all);
* a shared Default Permission Scheme (id 0) used by many projects, schemes used by no project;
* team-managed projects (Cloud) with project-scoped schemes carrying ``scope``;
* on new-key sites, some partially migrated schemes that already have some VIEW_* grants;
* unicode in names; archived and deleted projects; issues with reporters, assignees and picker fields.
"""

from __future__ import annotations

import gc
import random
import uuid
from dataclasses import dataclass, replace

from migrate.sandbox.catalogue import (
    APP_HOLDER_TYPE,
    FORGE_PERMISSION_KEY,
    NEW_KEYS,
    PERMISSIONS,
    permission_catalogue,
    roles_for,
)
from migrate.sandbox.seeds_config import plant_config
from migrate.sandbox.state import (
    ADMIN_GROUP,
    DEFAULT_SCHEME_ID,
    SITE_ADMIN_GROUP,
    Field,
    Group,
    Holder,
    Issue,
    Project,
    Scheme,
    SiteState,
    User,
)


@dataclass(frozen=True)
class SeedSpec:
    name: str
    description: str
    schemes: int
    random_seed: int = 0
    flavour: str = "cloud"
    new_keys: bool = True
    title: str = "Sandbox Jira"
    hidden_grants: bool = False  # VIEW_* grants in a scheme although GET /permissions does not list the keys


SEEDS: dict[str, SeedSpec] = {
    s.name: s
    for s in (
        SeedSpec("demo", "small readable site for the quick start", 8, title="Acme (sandbox demo)"),
        SeedSpec("small", "10 schemes, generated", 10, title="Acme (sandbox small)"),
        SeedSpec("medium", "500 schemes, generated", 500, title="Acme (sandbox medium)"),
        SeedSpec("large", "5000 schemes, generated (benchmarks)", 5000, title="Acme (sandbox large)"),
        SeedSpec("legacy", "demo without VIEW_PROJECTS / VIEW_ISSUES (site not ready)", 8, new_keys=False,
                 title="Acme (sandbox legacy)"),
        SeedSpec("dc", "demo as a Data Center 10 site (/rest/api/2, no new keys: Data Center has none)", 8,
                 flavour="dc", new_keys=False, title="Acme (sandbox Data Center)"),
        SeedSpec("hidden", "legacy whose partly migrated scheme kept VIEW_* grants the site does not list", 8,
                 new_keys=False, hidden_grants=True, title="Acme (sandbox hidden grants)"),
    )
}


def resolve_seed(
    seed: str = "demo",
    *,
    schemes: int | None = None,
    random_seed: int | None = None,
    flavour: str | None = None,
    new_keys: bool | None = None,
) -> SeedSpec:
    """A named preset with any explicitly given parameter overriding it."""
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; known seeds: {', '.join(SEEDS)}")
    spec = SEEDS[seed]
    if schemes is not None:
        if not isinstance(schemes, int) or schemes < 1:
            raise ValueError("schemes must be a positive integer")
        spec = replace(spec, schemes=schemes)
    if random_seed is not None:
        spec = replace(spec, random_seed=int(random_seed))
    if flavour is not None:
        if flavour not in ("cloud", "dc"):
            raise ValueError("flavour must be 'cloud' or 'dc'")
        spec = replace(spec, flavour=flavour)
    if new_keys is not None:
        spec = replace(spec, new_keys=bool(new_keys))
    return spec


# ---- vocabulary ----------------------------------------------------------------------------------------
TEAMS = (
    "Platform", "Payments", "Mobile", "Data", "Growth", "Search", "Infrastructure", "Security", "Support",
    "Legal", "Finance", "Marketing", "Design", "QA", "Operations", "Research", "Billing", "Identity",
    "Équipe Montréal", "Zürich Ops", "東京 開発", "São Paulo Vendas", "Kraków QA", "Ομάδα Αθήνα", "Café ☕ Crew",
    "Данные", "Ångström Labs", "Niño Studio",
)
NOUNS = ("Portal", "API", "Website", "App", "Backlog", "Helpdesk", "Roadmap", "Core", "Integrations",
         "Analytics", "Onboarding", "Billing", "Docs", "Releases", "Incidents")
FIRST = ("Alice", "Bob", "Chloé", "Dmitri", "Elif", "François", "Grace", "Hiro", "Inés", "Jürgen", "Kofi",
         "Łukasz", "Maëlle", "Nguyễn", "Olga", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma", "Viktor",
         "Wen", "Xóchitl", "Yusuf", "Zoë", "李", "Åsa", "José", "Ana María")
LAST = ("Ångström", "Brown", "Castañeda", "Dubois", "Eriksen", "Fischer", "García", "Hernández", "Ivanova",
        "Jensen", "Kowalski", "López", "Müller", "Nakamura", "O'Brien", "Patel", "Quinn", "Rossi", "Smith",
        "Tanaka", "Underwood", "Virtanen", "Wang", "Xu", "Yılmaz", "Zhang", "Żółć", "雷")

ADMIN_ROLE, MEMBER_ROLE, VIEWER_ROLE = 10002, 10100, 10101
SD_TEAM_ROLE, SD_CUSTOMER_ROLE, TEMPO_ROLE = 10200, 10201, 10300
DC_DEVELOPERS, DC_USERS = 10001, 10000
F_APPROVERS, F_PARTICIPANTS, F_TEAM = "customfield_10050", "customfield_10051", "customfield_10060"
APP_HOLDER_PARAM = "approver-group-10400"

# permission groups
ADMIN_PERMS = ("ADMINISTER_PROJECTS", "EDIT_WORKFLOW", "EDIT_ISSUE_LAYOUT")
PROJECT_PERMS = ("MANAGE_SPRINTS_PERMISSION", "VIEW_DEV_TOOLS", "VIEW_READONLY_WORKFLOW")
ISSUE_WORK = ("CREATE_ISSUES", "EDIT_ISSUES", "TRANSITION_ISSUES", "ASSIGN_ISSUES", "ASSIGNABLE_USER",
              "RESOLVE_ISSUES", "CLOSE_ISSUES", "LINK_ISSUES", "SCHEDULE_ISSUES", "MANAGE_WATCHERS",
              "VIEW_VOTERS_AND_WATCHERS", "CREATE_ATTACHMENTS", "WORK_ON_ISSUES")
ISSUE_POWER = ("MOVE_ISSUES", "DELETE_ISSUES", "MODIFY_REPORTER", "SET_ISSUE_SECURITY")
OWN = ("ADD_COMMENTS", "EDIT_OWN_COMMENTS", "DELETE_OWN_COMMENTS", "DELETE_OWN_ATTACHMENTS",
       "EDIT_OWN_WORKLOGS", "DELETE_OWN_WORKLOGS")
ALL_POWER = ("EDIT_ALL_COMMENTS", "DELETE_ALL_COMMENTS", "DELETE_ALL_ATTACHMENTS", "EDIT_ALL_WORKLOGS",
             "DELETE_ALL_WORKLOGS")

# Symbolic holders per archetype and permission group; resolved per scheme (team group, users...).
ARCHETYPES: dict[str, dict[str, tuple[str, ...]]] = {
    # Jira Cloud's default scheme: most things to any logged-in user, power to administrators.
    "default": {"admin": ("ADM",), "browse": ("APP_ANY",), "project": ("APP_SW",), "agent": (),
                "work": ("APP_ANY",), "power": ("ADM",), "own": ("APP_ANY",), "all": ("ADM",),
                "forge": ("ADM",)},
    "software": {"admin": ("ADM",), "browse": ("ADM", "MEM", "VIEW", "G_SW"), "project": ("MEM",),
                 "agent": (), "work": ("MEM",), "power": ("ADM",), "own": ("MEM",),
                 "all": ("ADM",), "forge": ("ADM", "MEM")},
    "business": {"admin": ("ADM",), "browse": ("APP_SW", "ADM", "G_TEAM"), "project": ("ADM",), "agent": (),
                 "work": ("G_TEAM",), "power": ("ADM",), "own": ("APP_SW",), "all": ("ADM",),
                 "forge": ("G_TEAM",)},
    "servicedesk": {"admin": ("ADM",), "browse": ("SDT", "ADM", "PORTAL", "SDC"), "project": ("SDT",),
                    "agent": ("SDT", "ADM"), "work": ("SDT",), "power": ("ADM",), "own": ("SDT", "REPORTER"),
                    "all": ("ADM",), "forge": ()},
    "restricted": {"admin": ("ADM", "USER"), "browse": ("G_TEAM", "USER", "USER2", "LEAD", "ADM"),
                   "project": ("G_TEAM",), "agent": (), "work": ("G_TEAM",), "power": ("LEAD",),
                   "own": ("G_TEAM",), "all": ("ADM",), "forge": ()},
    "public": {"admin": ("ADM",), "browse": ("ANYONE", "APP_ANY"), "project": ("MEM",), "agent": (),
               "work": ("MEM",), "power": ("ADM",), "own": ("APP_ANY",), "all": ("ADM",), "forge": ()},
    "issue-scoped": {"admin": ("ADM",), "browse": ("ADM", "REPORTER", "ASSIGNEE", "UCF", "GCF", "G_TEAM"),
                     "project": ("G_TEAM",), "agent": (), "work": ("ASSIGNEE",),
                     "power": ("ADM",), "own": ("REPORTER",), "all": ("ADM",), "forge": ()},
    "team-managed": {"admin": ("ADM",), "browse": ("ADM", "MEM", "VIEW", "LEAD"), "project": ("MEM",),
                     "agent": (), "work": ("MEM",), "power": ("ADM",), "own": ("MEM",), "all": ("ADM",),
                     "forge": ()},
}
LABELS = {"software": "Software scheme", "business": "Business scheme", "servicedesk": "Service desk scheme",
          "restricted": "Restricted scheme", "public": "Public scheme", "issue-scoped": "Reporter-only scheme",
          "team-managed": "team-managed"}
TYPE_KEYS = {"software": "software", "business": "business", "servicedesk": "service_desk",
             "restricted": "business", "public": "software", "issue-scoped": "service_desk",
             "team-managed": "software", "default": "software"}
# Weighted archetypes for generated schemes after the fixed opening ones.
WEIGHTS = (("software", 34), ("business", 20), ("servicedesk", 10), ("restricted", 12), ("public", 3),
           ("issue-scoped", 8), ("team-managed", 13))
# The opening sequence: every archetype appears in any site of at least 8 schemes.
OPENING = ("default", "software", "servicedesk", "restricted", "public", "issue-scoped", "partial",
           "team-managed")


def _group_of(perm: str) -> str:  # noqa: C901
    if perm in ADMIN_PERMS:
        return "admin"
    if perm in ("BROWSE_PROJECTS",):
        return "browse"
    if perm in PROJECT_PERMS:
        return "project"
    if perm == "SERVICEDESK_AGENT":
        return "agent"
    if perm in ISSUE_WORK:
        return "work"
    if perm in ISSUE_POWER:
        return "power"
    if perm in OWN:
        return "own"
    if perm in ALL_POWER:
        return "all"
    if perm == FORGE_PERMISSION_KEY:
        return "forge"
    raise KeyError(perm)


GROUP_OF: dict[str, str] = {}


class _Builder:
    def __init__(self, spec: SeedSpec, admin_email: str, viewer_email: str):
        self.spec = spec
        self.rng = random.Random(f"sandbox:{spec.random_seed}:{spec.schemes}")
        self.cloud = spec.flavour == "cloud"
        self.site = SiteState(
            flavour=spec.flavour,
            new_keys=spec.new_keys,
            title=spec.title,
            permissions=permission_catalogue(spec.flavour, spec.new_keys),
            roles=roles_for(spec.flavour),
        )
        self.admin_email = admin_email
        self.viewer_email = viewer_email
        self.next_project_id = 10000
        self.next_issue_id = 10000
        self.user_seq = 10000
        self.used_keys: set[str] = set()
        self.key_counters: dict[str, int] = {}
        self.used_scheme_names: set[str] = set()
        # the permissions a scheme grants (VIEW_* come later, only on partially migrated schemes)
        # Every flavour draws from the RNG for the same (Cloud) permission list, so `dc` and `legacy` are
        # `demo` spelled differently rather than different sites.
        self.legacy_perms = [p.key for p in PERMISSIONS if p.type == "PROJECT" and p.key not in NEW_KEYS]
        for k in self.legacy_perms:
            GROUP_OF.setdefault(k, _group_of(k))
        self.partial: list[tuple[Scheme, random.Random]] = []

    # -- ids ----------------------------------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _account_id(self) -> str:
        if self.rng.random() < 0.3:
            return f"712020:{self._uuid()}"
        return f"{self.rng.getrandbits(96):024x}"

    # -- people -------------------------------------------------------------------------------------
    def user(self, email: str, display: str, *, groups=(), app_roles=(), account_type="atlassian",
             active=True, name: str | None = None) -> User:
        uid = self._account_id()
        key = f"JIRAUSER{self.user_seq}"
        self.user_seq += 1
        u = User(
            account_id=uid if self.cloud else key,
            email=email,
            display_name=display,
            account_type=account_type,
            active=active,
            groups={self.site.groups_by_name[g].id for g in groups},
            app_roles=set(app_roles),
            key=key,
            name=name or email.split("@")[0],
        )
        return self.site.add_user(u)

    def build_people(self) -> None:
        n = self.spec.schemes
        for name in (ADMIN_GROUP, SITE_ADMIN_GROUP, "jira-software-users", "jira-servicemanagement-users",
                     "jira-users"):
            self.site.add_group(Group(self._uuid(), name))
        self.teams: list[Group] = []
        self.team_label: dict[str, str] = {}  # group id -> team display name
        n_teams = max(6, min(400, n // 8 + 6))
        for i in range(n_teams):
            base = TEAMS[i % len(TEAMS)]
            label = base if i < len(TEAMS) else f"{base} {i // len(TEAMS) + 1}"
            name = label.lower().replace(" ", "-") + "-team"
            if i % 5 == 3:
                name = label  # display-style names with spaces and unicode, as real sites have
            if name in self.site.groups_by_name:
                name = f"{name} ({i})"
            g = self.site.add_group(Group(self._uuid(), name))
            self.teams.append(g)
            self.team_label[g.id] = label
        self.admin = self.user(self.admin_email, "Sandbox Admin",
                               groups=(ADMIN_GROUP, SITE_ADMIN_GROUP, "jira-software-users", "jira-users"),
                               app_roles=("jira-software", "jira-servicedesk"), name="admin")
        self.viewer = self.user(self.viewer_email, "Vera Viewer", groups=("jira-software-users", "jira-users"),
                                app_roles=("jira-software",), name="viewer")
        self.addon = None
        if self.cloud:
            self.addon = self.user("timesheets-app@connect.atlassian.com", "Timesheets for Jira",
                                   account_type="app", name="addon_timesheets")
        else:
            self._account_id()  # the same draws as Cloud, so the rest of the site is the same
        self.customer = self.user("customer@example.org", "Carla Customer", account_type="customer",
                                  name="customer")
        self.people: list[User] = []
        n_users = max(12, min(3000, n // 2 + 12))
        for i in range(n_users):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            groups = ["jira-software-users", "jira-users"]
            if i % 7 == 0:
                groups.append("jira-servicemanagement-users")
            u = self.user(f"user{i:04d}@example.com", f"{first} {last}", groups=groups,
                          app_roles=("jira-software",) + (("jira-servicedesk",) if i % 7 == 0 else ()),
                          active=(i % 29 != 5))
            for t in self.rng.sample(self.teams, k=min(len(self.teams), 1 + (i % 3))):
                u.groups.add(t.id)
            self.people.append(u)
        self.people.append(self.viewer)
        for f in (Field(F_APPROVERS, "Approvers", "user"), Field(F_PARTICIPANTS, "Request participants", "user"),
                  Field(F_TEAM, "Owning team", "group")):
            self.site.fields[f.id] = f

    # -- schemes ------------------------------------------------------------------------------------
    def scheme_name(self, base: str) -> str:
        name, i = base, 2
        while name in self.used_scheme_names:
            name, i = f"{base} #{i}", i + 1
        self.used_scheme_names.add(name)
        return name

    def resolve(self, sym: str, ctx: dict) -> Holder | None:
        s = self.site
        role = s.simple_holder
        if sym == "ADM":
            return role("projectRole", str(ADMIN_ROLE))
        if sym == "MEM":
            return role("projectRole", str(MEMBER_ROLE if self.cloud else DC_DEVELOPERS))
        if sym == "VIEW":
            return role("projectRole", str(VIEWER_ROLE if self.cloud else DC_USERS))
        if sym == "SDT":
            return role("projectRole", str(SD_TEAM_ROLE))
        if sym == "SDC":
            return role("projectRole", str(SD_CUSTOMER_ROLE))
        if sym == "APP_ANY":
            return Holder("applicationRole")
        if sym == "APP_SW":
            return role("applicationRole", "jira-software")
        if sym == "G_SW":
            return s.holder_for_group(s.groups_by_name["jira-software-users"])
        if sym == "G_TEAM":
            return s.holder_for_group(ctx["team"])
        if sym == "USER":
            return s.holder_for_user(ctx["user"])
        if sym == "USER2":
            return s.holder_for_user(ctx["user2"])
        if sym in ("LEAD", "REPORTER", "ASSIGNEE", "ANYONE", "PORTAL"):
            return Holder({"LEAD": "projectLead", "REPORTER": "reporter", "ASSIGNEE": "assignee",
                           "ANYONE": "anyone", "PORTAL": "sd.customer.portal.only"}[sym])
        if sym == "UCF":
            return role("userCustomField", F_APPROVERS)
        if sym == "GCF":
            return role("groupCustomField", F_TEAM)
        raise KeyError(sym)

    def build_scheme(self, archetype: str, *, name: str | None = None, sid: int | None = None,
                     partial: bool = False, app_holder: bool = False) -> Scheme:
        rng = self.rng
        team = rng.choice(self.teams)
        ctx = {"team": team, "user": rng.choice(self.people), "user2": rng.choice(self.people)}
        if name is None:
            label = LABELS[archetype]
            if archetype == "team-managed":
                name = None  # named after its project later
            else:
                name = self.scheme_name(f"{self.team_label[team.id]} – {label}")
        desc = {
            "default": "This is the default Permission Scheme. Any new projects that are created will be "
                       "assigned this scheme.",
        }.get(archetype, f"{LABELS.get(archetype, archetype)} for {self.team_label[team.id]}")
        scheme = self.site.new_scheme(name or "pending", desc, sid=sid)
        rules = ARCHETYPES[archetype]
        resolved = {grp: [self.resolve(sym, ctx) for sym in syms] for grp, syms in rules.items()}
        addon_holder = None
        if self.cloud and self.site.addon_role_id is not None:
            addon_holder = self.site.simple_holder("projectRole", str(self.site.addon_role_id))
        for perm in self.legacy_perms:
            holders = list(resolved[GROUP_OF[perm]])
            if perm == "BROWSE_PROJECTS" and rng.random() < 0.35:
                holders.append(self.site.holder_for_group(rng.choice(self.teams)))
            if perm == "BROWSE_PROJECTS" and archetype not in ("default", "public") and rng.random() < 0.2:
                holders.append(self.site.holder_for_user(rng.choice(self.people)))
            if rng.random() < 0.05:
                holders.append(self.site.holder_for_group(rng.choice(self.teams)))
            if perm == "ADMINISTER_PROJECTS" and rng.random() < 0.15:
                holders.append(self.site.simple_holder("projectRole", str(TEMPO_ROLE)))
            if addon_holder is not None:
                holders.append(addon_holder)
            if perm in self.site.permissions:
                self.site.bulk_add(scheme, perm, holders)
        if app_holder:
            h = self.site.simple_holder(APP_HOLDER_TYPE, APP_HOLDER_PARAM)
            for perm in ("BROWSE_PROJECTS", "EDIT_ISSUES"):
                self.site.add_grant(scheme, perm, h)
        if partial:
            self.partial.append((scheme, random.Random(f"partial:{self.spec.random_seed}:{scheme.id}")))
        return scheme

    def add_hidden_grants(self) -> None:
        """Grants of keys the site does not list: some Cloud sites carry them (REFERENCE.md §10), invisible in
        the UI. Seeded directly (the API refuses an unknown key)."""
        for scheme, _ in self.partial:
            browse = [g.holder for g in scheme.grants.values() if g.permission == "BROWSE_PROJECTS"
                      and not (g.holder.type == "projectRole" and g.holder.parameter == str(self.site.addon_role_id))]
            for h in browse[:2]:
                for key in NEW_KEYS:
                    self.site.bulk_add(scheme, key, [h])

    def add_view_grants(self) -> None:
        """Partially migrated schemes: some BROWSE holders already have VIEW_* (new-key sites only)."""
        if not self.site.new_keys:
            return
        addon = self.site.addon_role_id
        for scheme, rng in self.partial:
            browse = [g.holder for g in list(scheme.grants.values()) if g.permission == "BROWSE_PROJECTS"]
            is_addon = [h.type == "projectRole" and h.parameter == str(addon) for h in browse]
            others = [h for h, a in zip(browse, is_addon) if not a]
            picked = [h for h in others if rng.random() < 0.5]
            if others and not picked:
                picked = [others[0]]
            if len(picked) == len(others) and len(others) > 1:
                picked = picked[:-1]  # partially: at least one holder still waits for its VIEW_* grants
            done = [h for h, a in zip(browse, is_addon) if a] + picked
            for h in done:
                is_addon = addon is not None and h.type == "projectRole" and h.parameter == str(addon)
                targets = ["VIEW_ISSUES"] if h.type in ("reporter", "assignee", "userCustomField",
                                                        "groupCustomField") else list(NEW_KEYS)
                if rng.random() < 0.25 and not is_addon:
                    targets = targets[-1:]  # half-done: only VIEW_ISSUES so far
                for t in targets:
                    if self.site.find_grant(scheme, t, h) is None:
                        self.site.add_grant(scheme, t, h)

    # -- projects -------------------------------------------------------------------------------------
    def project_key(self, team: str, noun: str) -> str:
        def ascii_letters(text: str) -> str:
            return "".join(ch for ch in text.upper() if "A" <= ch <= "Z")

        stem = (ascii_letters(team)[:3] or "PRJ") + ascii_letters(noun)[:1]
        key = stem
        while key in self.used_keys:
            n = self.key_counters.get(stem, 1) + 1
            self.key_counters[stem] = n
            key = f"{stem}{n}"
        self.used_keys.add(key)
        return key

    def build_project(self, scheme: Scheme, archetype: str, *, status: str = "live",
                      team_managed: bool = False) -> Project:
        rng = self.rng
        team = rng.choice(self.teams)
        noun = rng.choice(NOUNS)
        label = self.team_label[team.id]
        name = f"{label} {noun}"
        pid = self.next_project_id
        self.next_project_id += 1
        key = self.project_key(label, noun)
        lead = self.people[rng.randrange(max(1, len(self.people) - 1))]  # not the viewer
        p = Project(
            id=pid,
            key=key,
            name=name,
            type_key=TYPE_KEYS.get(archetype, "software"),
            lead=lead.account_id,
            scheme_id=scheme.id,
            simplified=team_managed,
            status=status,
            description=f"{noun} work for {label}",
            uuid=self._uuid(),
            category=("10000", "Engineering") if p_is_eng(archetype) else ("10001", "Business"),
        )
        self.site.add_project(p)
        members = set(u.account_id for u in rng.sample(self.people, k=min(3, len(self.people))))
        viewers = {rng.choice(self.people).account_id}
        admin_group = self.site.groups_by_name[ADMIN_GROUP].id
        p.actors = {ADMIN_ROLE: ({lead.account_id}, {admin_group})}
        if self.cloud:
            p.actors[MEMBER_ROLE] = (members, {team.id})
            p.actors[VIEWER_ROLE] = (viewers | {self.viewer.account_id}, set())
            if self.addon is not None and self.site.addon_role_id is not None:
                p.actors[self.site.addon_role_id] = ({self.addon.account_id}, set())
        else:
            p.actors[DC_DEVELOPERS] = (members, {team.id})
            p.actors[DC_USERS] = (viewers | {self.viewer.account_id}, {self.site.groups_by_name["jira-users"].id})
        if p.type_key == "service_desk":
            agents = {u.account_id for u in rng.sample(self.people, k=min(2, len(self.people)))}
            p.actors[SD_TEAM_ROLE] = (agents, {self.site.groups_by_name["jira-servicemanagement-users"].id})
            p.actors[SD_CUSTOMER_ROLE] = ({self.customer.account_id}, set())
        if rng.random() < 0.2:
            p.actors[TEMPO_ROLE] = ({rng.choice(self.people).account_id}, set())
        for n in range(1, 4):
            reporter = rng.choice(self.people)
            if p.type_key == "service_desk" and n == 1:
                reporter = self.customer
            assignee = rng.choice(self.people) if rng.random() < 0.7 else None
            fields = {
                F_APPROVERS: tuple(u.account_id for u in rng.sample(self.people, k=min(2, len(self.people)))),
                F_PARTICIPANTS: (rng.choice(self.people).account_id,),
                F_TEAM: (rng.choice(self.teams).id,),
            }
            self.site.add_issue(Issue(self.next_issue_id, f"{key}-{n}", pid, reporter.account_id,
                                      assignee.account_id if assignee else None, fields))
            self.next_issue_id += 1
        return p

    # -- the site ---------------------------------------------------------------------------------------
    def build(self) -> SiteState:
        self.build_people()
        n = self.spec.schemes
        rng = self.rng
        plan: list[str] = list(OPENING[:n])
        names, archetypes = [name for name, _ in WEIGHTS], [w for _, w in WEIGHTS]
        while len(plan) < n:
            plan.append(rng.choices(names, archetypes)[0])
        app_holder_at = min(5, n - 1)  # the issue-scoped scheme in the opening, or the last one
        built: list[tuple[Scheme, str]] = []
        for i, arche in enumerate(plan):
            partial = arche == "partial" or (i >= len(OPENING) and rng.random() < 0.06)
            real = "software" if arche == "partial" else arche
            if not self.cloud and real == "team-managed":
                real = "software"  # Data Center has no team-managed projects
            extra_app = i == app_holder_at or (i > len(OPENING) and rng.random() < 0.02)
            if i == 0:
                scheme = self.build_scheme("default", name=self.scheme_name("Default Permission Scheme"),
                                           sid=DEFAULT_SCHEME_ID, partial=partial, app_holder=extra_app)
            else:
                scheme = self.build_scheme(real, partial=partial, app_holder=extra_app)
            built.append((scheme, arche))
        # projects: the default scheme is shared widely; team-managed schemes have exactly one project
        statuses = ("live",) * 30 + ("archived",) + ("deleted",)
        for i, (scheme, arche) in enumerate(built):
            if i == 0:
                count = max(3, n // 15)
            elif arche == "team-managed" and self.cloud:
                count = 1
            elif n <= len(OPENING):
                count = 2 if i in (1,) else 1
            else:
                count = rng.choices((0, 1, 2, 3, 8), (12, 48, 25, 10, 5))[0]
            for j in range(count):
                if n <= len(OPENING):
                    status = "archived" if (i, j) == (1, 1) else "deleted" if (i, j) == (0, 2) else "live"
                else:
                    status = rng.choice(statuses)
                real = "software" if arche == "partial" else arche
                tm = arche == "team-managed" and self.cloud
                p = self.build_project(scheme, real, status=status, team_managed=tm)
                if tm:
                    scheme.scope_project = p.id
                    scheme.name = self.scheme_name(f"Permission scheme for {p.name} ({p.key})")
                    scheme.description = f"Team-managed project {p.key}"
        if n <= len(OPENING):  # the demo: one more project on the shared software scheme
            self.build_project(built[min(1, n - 1)][0], "software")
        else:  # every generated site has at least one archived and one deleted project
            classic = [p for p in self.site.projects.values() if not p.simplified]
            for status, pick in (("archived", -1), ("deleted", -2)):
                if len(classic) >= 2 and not any(p.status == status for p in classic):
                    classic[pick].status = status
        self.add_view_grants()
        if self.spec.hidden_grants and not self.spec.new_keys:
            self.add_hidden_grants()
        plant_config(self.site, demo=n <= len(OPENING), random_seed=self.spec.random_seed, schemes=n)
        return self.site


def p_is_eng(archetype: str) -> bool:
    return archetype in ("software", "team-managed", "public", "default")


def build_site(spec: SeedSpec, *, admin_email: str, viewer_email: str) -> SiteState:
    """Generate the site for a seed spec (deterministic)."""
    was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects: the cyclic GC would only slow this down
    try:
        return _Builder(spec, admin_email, viewer_email).build()
    finally:
        if was_enabled:
            gc.enable()

