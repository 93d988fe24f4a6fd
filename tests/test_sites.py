"""The sites file: parsing, validation with line numbers, credentials per site, filters, exit-code rule."""

from __future__ import annotations

import textwrap

import pytest

from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, ConfigError
from migrate.model import Scheme
from migrate.sites import (
    SchemeFilter,
    SitesFileError,
    check_sites,
    combine_exit_codes,
    load_sites,
    parse_sites,
)

GOOD = textwrap.dedent(
    """\
    # three sites
    [defaults]
    mode = "add"
    concurrency = 4

    [[site]]
    name = "acme-prod"
    url = "https://acme.atlassian.net/"
    flavour = "cloud"
    email_env = "ACME_JIRA_EMAIL"
    token_env = "ACME_JIRA_TOKEN"
    include = [10000, "Default*"]
    exclude = ["*archive*"]

    [[site]]
    name = "acme-dc"
    url = "https://jira.acme.internal"
    flavour = "data center"
    bearer_env = "ACME_DC_PAT"
    mode = "finish"
    concurrency = 2
    max_rps = 5.5

    [[site]]
    name = "local"
    url = "http://127.0.0.1:8080"
    email_env = "LOCAL_EMAIL"
    token_env = "LOCAL_TOKEN"
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(SitesFileError) as ei:
        parse_sites(textwrap.dedent(text), source="sites.toml")
    return list(ei.value.problems)


def test_good_file_parses_with_defaults_and_lines():
    cfg = parse_sites(GOOD, source="sites.toml")
    assert cfg.names() == ("acme-prod", "acme-dc", "local")
    prod, dc, local = cfg.sites
    assert prod.url == "https://acme.atlassian.net" and prod.flavour == "cloud" and prod.line == 6
    assert prod.filter.include == (10000, "Default*") and prod.filter.exclude == ("*archive*",)
    assert prod.concurrency == 4  # from [defaults]
    assert dc.flavour == "dc" and dc.bearer_env == "ACME_DC_PAT" and dc.mode == "finish" and dc.concurrency == 2
    assert dc.max_rps == 5.5 and prod.max_rps is None
    assert local.url == "http://127.0.0.1:8080" and local.flavour == "auto" and local.line == 24
    assert cfg.mode_for(prod) == "add" and cfg.mode_for(dc) == "finish"
    assert cfg.mode_for(dc, "add") == "add"  # the command line wins for the run
    assert prod.where == "sites.toml line 6 (site 'acme-prod')"


def test_missing_url_names_the_line_and_site():
    p = problems(
        """\
        [[site]]
        name = "a"
        url = "https://a.atlassian.net"
        bearer_env = "A_PAT"

        [[site]]
        name = "acme-prod"
        bearer_env = "ACME_PAT"
        """
    )
    assert p == ["sites.toml line 6 (site 'acme-prod'): missing 'url'"]


def test_every_problem_reported_at_once_in_line_order():
    p = problems(
        """\
        [[site]]
        name = "one"
        url = "http://jira.example.com"
        toekn_env = "X"
        email_env = "ONE_EMAIL"
        token_env = "ONE_TOKEN"
        mode = "remove"

        [[site]]
        name = "two"
        url = "https://two.example.com"
        bearer_env = "TWO_PAT"
        concurrency = 0
        flavour = "mainframe"
        include = "Default"
        """
    )
    assert len(p) == 6, p
    assert p[0].startswith("sites.toml line 3 (site 'one'): refusing plain http")
    assert "line 4 (site 'one'): unknown key 'toekn_env' (did you mean 'token_env'?)" in p[1]
    assert "line 7 (site 'one'): mode 'remove' is not one of add, finish" in p[2]
    assert "line 13 (site 'two'): concurrency must be an integer from 1 to 16 (got 0)" in p[3]
    assert "line 14 (site 'two'): flavour 'mainframe'" in p[4]
    assert "line 15 (site 'two'): 'include' must be a list" in p[5]


def test_toml_syntax_error_names_the_line():
    p = problems(
        """\
        [[site]]
        name = "a"
        url = https://a.atlassian.net
        """
    )
    assert p[0].startswith("sites.toml line 3: not valid TOML: Invalid value")


def test_secrets_in_the_file_are_refused_without_echoing_them():
    token = "ATATT3xFfGF0T1pQmN2kRzXyS9vW8uB7cD6eF5gH4iJ3kL2mN1oP0qR_sT-uVwXyZ=1A2B3C4D"
    with pytest.raises(SitesFileError) as ei:
        parse_sites(
            textwrap.dedent(
                f"""\
                [[site]]
                name = "a"
                url = "https://a.atlassian.net"
                email_env = "admin@acme.com"
                token_env = "{token}"

                [[site]]
                name = "b"
                url = "https://b.atlassian.net"
                api_token = "{token}"
                bearer_env = "B_PAT"
                """
            ),
            source="sites.toml",
        )
    text = str(ei.value)
    assert token not in text and "admin@acme.com" not in text
    p = ei.value.problems
    assert "line 4 (site 'a'): 'email_env' holds what looks like an email address" in p[0]
    assert "line 5 (site 'a'): 'token_env' looks like a secret" in p[1]
    assert "line 10 (site 'b'): 'api_token' is not allowed: the sites file never holds credentials" in p[2]


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("acme token", "is not an environment variable name"),
        ("acme_token", "is not an environment variable name"),
        ("1TOKEN", "is not an environment variable name"),
        ("NjQ1MzI4NTY3ODkwOkFCQ2RlZmdoaWprbG1ub3A", "looks like a secret"),
    ],
)
def test_env_var_names_must_look_like_env_var_names(value, fragment):
    p = problems(
        f"""\
        [[site]]
        name = "a"
        url = "https://a.atlassian.net"
        bearer_env = "{value}"
        """
    )
    assert fragment in p[0] and "line 4" in p[0]


@pytest.mark.parametrize(
    "key,secret",
    [("token", True), ("api_token", True), ("password", True), ("PAT", True), ("email", True), ("apikey", True),
     ("patterns", False), ("path", False), ("emails_to", False), ("tokn_env", False)],
)
def test_unknown_keys_that_look_like_credentials(key, secret):
    p = problems(
        f"""\
        [[site]]
        name = "a"
        url = "https://a.atlassian.net"
        bearer_env = "A_PAT"
        {key} = "s3cr3t-value"
        """
    )
    assert ("never holds credentials" in p[0]) is secret, p[0]
    assert "s3cr3t-value" not in p[0] and "line 5 (site 'a')" in p[0]


def test_credentials_must_be_named():
    p = problems(
        """\
        [[site]]
        name = "a"
        url = "https://a.atlassian.net"

        [[site]]
        name = "b"
        url = "https://b.atlassian.net"
        token_env = "B_TOKEN"
        """
    )
    assert "line 1 (site 'a'): missing credentials" in p[0]
    assert "line 5 (site 'b'): 'token_env' needs 'email_env' too" in p[1]


def test_duplicate_names_and_urls():
    p = problems(
        """\
        [[site]]
        name = "a"
        url = "https://a.atlassian.net"
        bearer_env = "A_PAT"

        [[site]]
        name = "a"
        url = "https://b.atlassian.net"
        bearer_env = "B_PAT"

        [[site]]
        name = "c"
        url = "HTTPS://A.atlassian.net/"
        bearer_env = "C_PAT"
        """
    )
    assert p == [
        "sites.toml line 6 (site 'a'): duplicate site name (first used on line 1)",
        "sites.toml line 11 (site 'c'): duplicate url https://a.atlassian.net (already site 'a' on line 1)",
    ]


def test_unknown_top_level_and_sites_table_form():
    p = problems(
        """\
        verbose = true

        [sites.acme]
        url = "https://a.atlassian.net"
        """
    )
    assert any("line 1: unknown key 'verbose'" in x for x in p)
    assert any("line 3: sites are declared as [[site]] tables" in x for x in p)
    assert any("no sites" in x for x in p)


def test_bad_names_and_types():
    p = problems(
        """\
        [defaults]
        mode = "later"
        colour = "red"

        [[site]]
        name = "has space"
        url = 42
        bearer_env = "A_PAT"
        include = [true]
        """
    )
    assert "line 2 (defaults): mode 'later'" in p[0]
    assert "line 3 (defaults): unknown key 'colour'" in p[1]
    assert "line 6 (site #1): name 'has space' must be" in p[2]
    assert "line 7 (site #1): 'url' must be a string" in p[3]
    assert "line 9 (site #1): 'include' must hold scheme ids" in p[4]


def test_max_rps():
    p = problems(
        """\
        [defaults]
        max_rps = -1

        [[site]]
        name = "a"
        url = "https://a.atlassian.net"
        bearer_env = "A_PAT"
        max_rps = "fast"
        """
    )
    assert "line 2 (defaults): max_rps must be a number" in p[0] and "(got -1)" in p[0]
    assert "line 8 (site 'a'): max_rps must be a number" in p[1] and "(got str)" in p[1]
    cfg = parse_sites('[defaults]\nmax_rps = 0\n[[site]]\nname = "a"\nurl = "https://a.atlassian.net"\nbearer_env = "A"\n')
    assert cfg.sites[0].max_rps == 0.0


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://localhost:99999", "https://a.example.com:b", "https://user:pw@a.example.com"]
)
def test_bad_urls_are_config_errors(url):
    p = problems(f'[[site]]\nname = "a"\nurl = "{url}"\nbearer_env = "A_PAT"\n')
    assert p[0].startswith("sites.toml line 3 (site 'a'): ") and "pw" not in p[0]


@pytest.mark.parametrize(
    "text,fragment",
    [
        ('[[site]]\nname = "a"\nurl = "https://a.example.com"\nbearer_env = "A"\ninclude = ["\u00b2"]\n', None),
        ('[[site]]\nname = "a"\nurl = "https://a.example.com"\nbearer_env = "A"\ninclude = [' + "9" * 40 + "]\n",
         "out of range"),
        ('[[site]]\nname = "a"\nurl = "https://a.example.com"\nbearer_env = "A"\nconcurrency = ' + "1" * 5000 + "\n",
         "not a usable sites file"),
        ("a = " + "[" * 100_000, "not"),
    ],
)
def test_hostile_values(text, fragment):
    if fragment is None:  # a superscript two is a name glob, not scheme id 2
        assert parse_sites(text).sites[0].filter.include == ("\u00b2",)
    else:
        assert fragment in problems(text)[0]


def test_empty_file_and_no_sites():
    assert "no sites" in problems("")[0]


def test_load_sites_missing_and_relative_rule(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_sites(tmp_path / "nope.toml")
    (tmp_path / "rule.toml").write_text(
        'name = "half"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_PROJECTS", "VIEW_ISSUES"]\n'
    )
    f = tmp_path / "sites.toml"
    f.write_text('[defaults]\nrule = "rule.toml"\n[[site]]\nname = "a"\nurl = "https://a.atlassian.net"\nbearer_env = "A"\n')
    cfg = load_sites(f)
    assert cfg.rule_for().name == "half" and cfg.path == f
    with pytest.raises(SitesFileError, match="line 2 \\(defaults\\)"):
        f.write_text('[defaults]\nrule = "missing.toml"\n[[site]]\nname = "a"\nurl = "https://a.atlassian.net"\nbearer_env = "A"\n')
        load_sites(f)


def test_credentials_come_only_from_the_sites_own_variables():
    cfg = parse_sites(GOOD, source="sites.toml")
    prod, dc, local = cfg.sites
    env = {
        "ACME_JIRA_EMAIL": "admin@acme.com",
        "ACME_JIRA_TOKEN": "prod-token-1234",
        "JIRA_API_TOKEN": "global-token-should-not-be-used",
        "JIRA_EMAIL": "global@x",
        "JIRA_BEARER_TOKEN": "global-bearer-should-not-be-used",
    }
    c = prod.credentials(env)
    assert c.email == "admin@acme.com" and c.token.reveal() == "prod-token-1234" and c.bearer is None
    with pytest.raises(ConfigError) as ei:
        dc.credentials(env)  # JIRA_BEARER_TOKEN is set, but this site names ACME_DC_PAT
    assert "site 'acme-dc': environment variable ACME_DC_PAT not set" in ei.value.message
    with pytest.raises(ConfigError, match="LOCAL_EMAIL, LOCAL_TOKEN not set"):
        local.credentials(env)
    assert dc.credentials({"ACME_DC_PAT": "pat-value-xyz"}).bearer.reveal() == "pat-value-xyz"


def test_bearer_or_basic_either_works():
    cfg = parse_sites(
        '[[site]]\nname = "a"\nurl = "https://a.atlassian.net"\nbearer_env = "A_PAT"\n\n'
        '[[site]]\nname = "b"\nurl = "https://b.atlassian.net"\nemail_env = "B_EMAIL"\ntoken_env = "B_TOKEN"\n'
    )
    a, b = cfg.sites
    assert a.credentials({"A_PAT": "bearer-abc1", "B_TOKEN": "tok-abc1"}).kind == "bearer"
    assert b.credentials({"B_EMAIL": "a@b.c", "B_TOKEN": "tok-abc1", "A_PAT": "bearer-abc1"}).kind == "basic"
    with pytest.raises(ConfigError, match=r"B_EMAIL, B_TOKEN not set"):
        b.credentials({})


@pytest.mark.parametrize(
    "keys",
    [
        'email_env = "A_EMAIL"\ntoken_env = "A_TOKEN"\nbearer_env = "A_PAT"',
        'token_env = "A_TOKEN"\nbearer_env = "A_PAT"',
        'email_env = "A_EMAIL"\nbearer_env = "A_PAT"',
    ],
)
def test_a_site_with_two_credentials_is_refused(keys):
    """Which secret would be sent is not obvious (the bearer token used to win silently): refused, with the line."""
    with pytest.raises(SitesFileError) as e:
        parse_sites(f'[[site]]\nname = "a"\nurl = "https://a.atlassian.net"\n{keys}\n', source="s.toml")
    assert "s.toml line" in str(e.value) and "both bearer_env and" in str(e.value)
    assert "name one credential per site" in str(e.value)


def test_a_pattern_both_included_and_excluded_is_refused():
    with pytest.raises(SitesFileError, match=r"line 5 \(site 'a'\): 'Default\*' is both included and excluded"):
        parse_sites('[[site]]\nname = "a"\ninclude = ["Default*"]\nurl = "https://a.atlassian.net"\n'
                    'exclude = ["Default*"]\nbearer_env = "A_PAT"\n', source="s.toml")


def test_check_sites_reports_variables_by_name_only():
    cfg = parse_sites(GOOD, source="sites.toml")
    env = {"ACME_JIRA_EMAIL": "admin@acme.com", "ACME_JIRA_TOKEN": "secret-value-123", "LOCAL_EMAIL": "x@y.z"}
    checks = check_sites(cfg, env)
    assert [c.ok for c in checks] == [True, False, False]
    assert checks[0].env == {"ACME_JIRA_EMAIL": True, "ACME_JIRA_TOKEN": True}
    assert checks[2].problems == ("sites.toml line 24 (site 'local'): not set: LOCAL_TOKEN",)
    assert "secret-value-123" not in repr([c.to_json() for c in checks])


def test_select_sites():
    cfg = parse_sites(GOOD)
    assert cfg.select(["local", "acme-prod"]).names() == ("acme-prod", "local")
    with pytest.raises(ConfigError, match="no site named 'nope'"):
        cfg.select(["nope"])


def test_scheme_filter():
    s = [Scheme(10000, "Default software scheme"), Scheme(10001, "Archive 2019"), Scheme(10002, "Service desk")]
    f = SchemeFilter(include=(10002, "default*"), exclude=("*ARCHIVE*",))
    assert [x.id for x in s if f.matches(x)] == [10000, 10002]
    assert [x.id for x in s if SchemeFilter(exclude=(10000,)).matches(x)] == [10001, 10002]
    assert SchemeFilter().matches(s[0]) and not SchemeFilter().active
    assert SchemeFilter(include=("typo*", 10000)).unmatched_includes(s) == ("typo*",)


@pytest.mark.parametrize(
    "codes,expected",
    [
        ([], EXIT_OK),
        ([EXIT_OK, EXIT_OK], EXIT_OK),
        ([EXIT_OK, EXIT_CHANGES], EXIT_CHANGES),
        ([EXIT_CHANGES, EXIT_PARTIAL, EXIT_OK], EXIT_PARTIAL),
        # some sites done and others failed or refused: partial, not the same code as "none done"
        ([EXIT_PARTIAL, EXIT_ERROR, EXIT_CHANGES], EXIT_PARTIAL),
        ([EXIT_OK, EXIT_ERROR], EXIT_PARTIAL),
        ([EXIT_USAGE, EXIT_OK], EXIT_PARTIAL),
        ([EXIT_ERROR, EXIT_ERROR], EXIT_ERROR),
        ([130], EXIT_ERROR),
    ],
)
def test_combined_exit_code(codes, expected):
    assert combine_exit_codes(codes) == expected
