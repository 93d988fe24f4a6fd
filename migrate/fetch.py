"""Read what a plan needs from a site: identity and known keys, every scheme with grants, and optionally
the project -> scheme map. Counts requests so benchmarks can compare with the minimum."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from migrate.jira.client import JiraClient
from migrate.jira.throttle import shared_cooldown
from migrate.model import Project, Scheme, SiteInfo

Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 when unknown


@dataclass(frozen=True)
class SiteData:
    site: SiteInfo
    schemes: tuple[Scheme, ...]
    projects_by_scheme: dict[int, list[str]] = field(default_factory=dict)
    projects_fetched: bool = False
    # the project list the map was read from, so the site-wide scan does not read it a second time
    projects: tuple[Project, ...] | None = None


def fetch_site(client: JiraClient, *, with_projects: bool = True, progress: Progress | None = None) -> SiteData:
    report = progress or (lambda stage, done, total: None)
    report("site", 0, 3 if with_projects else 2)
    site = client.site_info()
    report("schemes", 1, 0)
    schemes = tuple(client.list_schemes())
    mapping: dict[int, list[str]] = {}
    projects: list[Project] | None = None
    if with_projects:
        report("projects", 0, 0)
        projects = client.search_projects()
        done = [0]

        def one(p):
            sid = client.project_scheme_id(p.key)
            done[0] += 1
            report("projects", done[0], len(projects))
            return sid

        # parallel GETs share one pause: a Retry-After told to one worker holds back all of them
        with shared_cooldown(client), ThreadPoolExecutor(max_workers=8) as pool:
            for p, sid in zip(projects, pool.map(one, projects)):
                mapping.setdefault(sid, []).append(p.key)
        mapping = {k: sorted(v) for k, v in mapping.items()}
    report("done", 1, 1)
    return SiteData(site=site, schemes=schemes, projects_by_scheme=mapping, projects_fetched=with_projects,
                    projects=tuple(projects) if projects is not None else None)
