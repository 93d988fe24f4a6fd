"""The site-wide scan: every other place a site depends on BROWSE_PROJECTS (workflow conditions, validators
and properties, saved-filter JQL, team-managed projects, hidden VIEW_* grants, exported Data Center workflow
XML). Read-only; reports each place with its exact location and the suggested change.

One concern per module: ``names`` (how the permission is spelled where), ``rules`` (workflow rule walking),
``jql`` (JQL tokenizing), ``workflow_xml`` (Data Center exports), ``fetch`` (REST reads), ``site``
(putting it together), ``findings`` (the result and its file).
"""

from migrate.scan.findings import CATEGORIES, CATEGORY_TITLES, Finding, ScanResult, load_scan, save_scan, scan_path_for
from migrate.scan.site import WORKFLOW_APIS, scan_site

__all__ = ["CATEGORIES", "CATEGORY_TITLES", "Finding", "ScanResult", "WORKFLOW_APIS", "load_scan", "save_scan",
           "scan_path_for", "scan_site"]
