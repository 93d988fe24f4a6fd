"""How BROWSE_PROJECTS is spelled, and JQL calls that name it: (input, expected) tables and a property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrate.scan import jql, names


@pytest.mark.parametrize("value,key_or_name,short,legacy", [
    ("BROWSE_PROJECTS", True, True, True),
    ("Browse Projects", True, True, True),
    (" browse_projects", True, True, True),
    ("browse-projects", True, True, True),
    ("browse", False, True, True),
    ("10", False, False, True),
    ("BROWSE", False, True, True),
    ("BROWSE_PROJECT", False, False, False),
    ("browse_archive", False, False, False),
    ("VIEW_ISSUES", False, False, False),
    ("Browse users", False, False, False),
    ("110", False, False, False),
    ("", False, False, False),
    (None, False, False, False),
])
def test_spellings(value, key_or_name, short, legacy):
    assert names.is_key_or_name(value) is key_or_name
    assert names.is_short_name(value) is short
    assert names.is_legacy_permission_arg(value) is legacy


@pytest.mark.parametrize("key,matches", [
    ("jira.permission.browse.group", True),
    ("jira.permission.subtasks.browse.projectrole.1", True),
    ("jira.permission.browse.user.2", True),
    ("JIRA.PERMISSION.BROWSE.GROUP", True),
    ("jira.permission.BROWSE_PROJECTS.group", True),
    ("jira.permission.comment.group", False),
    ("jira.permission.browsearchive.group", False),
    ("jira.permission.browse", False),  # no grant type: not the documented form
    ("jira.issue.editable", False),
    ("jira.permission.subtasks.edit.lead", False),
])
def test_properties(key, matches):
    assert (names.browse_property(key) is not None) is matches


@pytest.mark.parametrize("csv,expected", [
    ("BROWSE_PROJECTS", "VIEW_ISSUES"),
    ("ADMINISTER_PROJECTS,BROWSE_PROJECTS", "ADMINISTER_PROJECTS,VIEW_ISSUES"),
    ("BROWSE_PROJECTS, VIEW_ISSUES", "VIEW_ISSUES"),
    (" browse_projects ,EDIT_ISSUES", "VIEW_ISSUES,EDIT_ISSUES"),
])
def test_key_lists(csv, expected):
    assert names.replace_in_list(csv) == expected


FOUND = [
    ('project in projectsWhereUserHasPermission("Browse Projects")', '"Browse Projects"'),
    ("project IN projectsWhereUserHasPermission(BROWSE_PROJECTS) ORDER BY created", "BROWSE_PROJECTS"),
    ("project in projectswhereuserhaspermission('browse projects')", "'browse projects'"),
    ('project in PROJECTSWHEREUSERHASPERMISSION( "BROWSE_PROJECTS" )', '"BROWSE_PROJECTS"'),
    ("project in projectsWhereUserHasPermission(Browse Projects)", "Browse Projects"),
    ('project in projectsWhereUserHasPermission("browse")', '"browse"'),
    ('project not in projectsWhereUserHasPermission("Browse Projects") and x = "a(b"', '"Browse Projects"'),
    ('(project in projectsWhereUserHasPermission("Browse Projects"))', '"Browse Projects"'),
    ('project in projectsWhereUserHasPermission("Browse\\u0020Projects")', None),  # JQL escapes: not decoded here
]
NOT_FOUND = [
    'text ~ "projectsWhereUserHasPermission(\\"Browse Projects\\")" AND project = DOCS',
    'summary ~ "BROWSE_PROJECTS" OR labels = browse_projects',
    'project in projectsWhereUserHasPermission("Resolve Issues")',
    'project in projectsWhereUserHasRole("Browse Projects")',
    "assignee = currentUser() AND statusCategory != Done",
    "projectsWhereUserHasPermission",
    'project in projectsWhereUserHasPermission("Browse Projects", "x")',
    "project in projectsWhereUserHasPermission()",
    "comment ~ 'projectsWhereUserHasPermission(BROWSE_PROJECTS)'",
]


@pytest.mark.parametrize("text,argument", FOUND)
def test_calls_found(text, argument):
    calls = jql.browse_calls(text)
    if argument is None:
        assert calls == []
    else:
        assert [c.argument for c in calls] == [argument]
        new = jql.rewrite(text, calls, "View Issues")
        assert new.replace('"View Issues"', argument) == text  # only the argument changed
        assert jql.browse_calls(new) == []  # and the rewrite names the old permission no more


@pytest.mark.parametrize("text", NOT_FOUND)
def test_calls_not_found(text):
    assert jql.browse_calls(text) == []


@pytest.mark.parametrize("text", ['project = "unclosed', "project in projectsWhereUserHasPermission(BROWSE_PROJECTS"])
def test_syntax_errors_are_reported(text):
    with pytest.raises(jql.JqlSyntaxError):
        jql.browse_calls(text)


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(before=_text, after=_text, quote=st.sampled_from(['"', "'"]))
def test_text_inside_a_string_literal_never_counts(before, after, quote):
    """Whatever a quoted value holds (here: a call naming the key), it is a value, not a call."""
    value = before + 'projectsWhereUserHasPermission("BROWSE_PROJECTS")' + after
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    text = f"summary ~ {quote}{escaped}{quote} AND project = DOCS"
    assert jql.browse_calls(text) == []
    assert [t.value for t in jql.tokenize(text) if t.kind == "string"] == [value]  # the literal, read back whole
