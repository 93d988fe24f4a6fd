"""Expected outcome of every site in tests/codemod/corpus: (line, rule, classification) per file.

Each file is written in the shape real public code has; its comment says which pattern class of the
precision work it stands for (1 units, 2 access filters, 3 assertions, 4 asserted fixtures, 5 silences,
6 Data Center, 7 a manifest that is not Forge's) or that it is a counterpart the codemod must still
rewrite. Every rewritten site here was checked by hand to keep what the program does; the files with
their own tests run them after --write (test_codemod_corpus.py).
"""

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN

EXPECTED = {
    # 1: the read goes through a local `perms` the codemod cannot prove is the permissions map: the unit waits
    "cloud-client/src/main/java/com/acme/jira/IssueAccess.java": [(13, "url-query", NEEDS_REVIEW), (15, "unrecognised", NEEDS_REVIEW)],
    # counterpart: request and read in one method, project context
    "cloud-client/src/main/java/com/acme/jira/PermissionChecker.java": [(14, "url-query", REWRITTEN), (15, "response-read", REWRITTEN)],
    # 2: groups that can read issues: never widened
    "cloud-client/src/main/java/com/acme/jira/SchemeAudit.java": [(10, "grant-filter", NEEDS_REVIEW)],
    # 1: map.get on a typed local
    "cloud-client/src/main/java/com/acme/jira/TypedPermissions.java": [(13, "url-query", NEEDS_REVIEW), (15, "unrecognised", NEEDS_REVIEW)],
    # 3: assertEquals / assertTrue
    "cloud-client/src/test/java/com/acme/jira/PermissionCheckerTest.java": [(13, "assertion", NEEDS_REVIEW), (18, "assertion", NEEDS_REVIEW)],
    # counterpart: YAML grant list
    "config/grants.yaml": [(3, "grant", REWRITTEN), (7, "grant", REWRITTEN)],
    # exported grant with server ids
    "config/scheme-export.json": [(9, "grant", NEEDS_REVIEW)],
    # counterpart: JSON grant list
    "config/scheme.json": [(5, "grant", REWRITTEN), (7, "grant", REWRITTEN)],
    # counterpart: Connect project and issue conditions
    "connect-app/atlassian-connect.json": [(14, "connect-condition", REWRITTEN), (25, "connect-condition", REWRITTEN)],
    # counterpart: an audit widens; the already-extended filter (line 11) has no finding
    "connect-app/src/grantsAudit.js": [(6, "grant-filter", REWRITTEN)],
    # 2: ACL sync never widens
    "connect-app/src/groupSync.js": [(7, "grant-filter", NEEDS_REVIEW)],
    # counterpart: a message beside a check does not hold it back
    "connect-app/src/messages.js": [(4, "url-query", REWRITTEN), (5, "response-read", REWRITTEN), (6, "unrecognised", NEEDS_REVIEW)],
    # 1: helper has(perms, key) in another function
    "connect-app/src/permissions.js": [(10, "url-query", NEEDS_REVIEW), (11, "unrecognised", NEEDS_REVIEW)],
    # counterpart with its own node:test tests (they pass after --write)
    "connect-app/src/visibility.js": [(8, "url-query", REWRITTEN), (10, "response-read", REWRITTEN), (15, "url-query", REWRITTEN), (17, "response-read", REWRITTEN)],
    # 1: recorded response next to the recorded request URL
    "connect-app/test/permissions.test.js": [(9, "url-query", NEEDS_REVIEW), (10, "response-read", NEEDS_REVIEW), (10, "unrecognised", NEEDS_REVIEW)],
    # inverted has_issue_permission
    "connect-inverted/atlassian-connect.json": [(13, "connect-condition", NEEDS_REVIEW)],
    # 5: lower-case key and short name in Connect conditions
    "connect-legacy/atlassian-connect.json": [(12, "key-variant", NEEDS_REVIEW), (19, "key-variant", NEEDS_REVIEW)],
    # 6: Server connector, username= parameter
    "connectors/JiraServerConnector.java": [(14, "url-query", REPORT_ONLY)],
    # 6: Data Center plugin API
    "dc-plugin/src/main/java/com/acme/plugin/BrowseCondition.java": [(16, "server-api", REPORT_ONLY)],
    # 7: a manifest.yml that is not Forge's
    "deploy/manifest.yml": [(5, "unrecognised", NEEDS_REVIEW)],
    # Forge display condition
    "forge-app/manifest.yml": [(9, "forge-manifest", NEEDS_REVIEW)],
    # 1: .find over the bulk-check result
    "forge-app/src/lib/bulkVisibility.ts": [(12, "check-body", NEEDS_REVIEW), (16, "grant-filter", NEEDS_REVIEW)],
    # 5: JQL with the display name
    "forge-app/src/lib/jqlSearch.ts": [(5, "key-variant", NEEDS_REVIEW)],
    # 5: key list with one new key, no context
    "forge-app/src/lib/mixedKeys.ts": [(5, "url-query", NEEDS_REVIEW)],
    # counterpart: POST /permissions/project
    "forge-app/src/lib/permittedProjects.ts": [(8, "check-body", REWRITTEN)],
    # counterpart: bulk check by projects, read by index
    "forge-app/src/lib/projectsById.ts": [(8, "check-body", REWRITTEN)],
    # counterpart: Forge issue check
    "forge-app/src/resolvers/issuePanel.ts": [(10, "url-query", REWRITTEN), (14, "response-read", REWRITTEN)],
    # counterpart: Forge project check
    "forge-app/src/resolvers/projectAccess.ts": [(11, "url-query", REWRITTEN), (16, "response-read", REWRITTEN)],
    # counterpart: Go check body struct
    "go-client/bulk.go": [(19, "check-body", REWRITTEN)],
    # counterpart: Go q.Set and map read, issue context
    "go-client/permissions.go": [(19, "check-body", REWRITTEN), (28, "response-read", REWRITTEN)],
    # 3: if got != ... { t.Errorf }
    "go-client/permissions_test.go": [(6, "assertion", NEEDS_REVIEW)],
    # 1: struct tag json:"BROWSE_PROJECTS" decodes the answer
    "go-client/typed.go": [(12, "unrecognised", NEEDS_REVIEW), (18, "url-query", NEEDS_REVIEW)],
    # 2: groups that see issues
    "go-client/viewers.go": [(7, "grant-filter", NEEDS_REVIEW)],
    # module input and dynamic block
    "infra/modules.tf": [(4, "grant", NEEDS_REVIEW), (13, "grant", NEEDS_REVIEW)],
    # counterpart: Terraform grant resource
    "infra/permissions.tf": [(8, "grant", REWRITTEN)],
    # nullable read in issue context
    "kotlin-app/src/main/kotlin/com/acme/perm/IssueGate.kt": [(5, "url-query", NEEDS_REVIEW), (6, "response-read", NEEDS_REVIEW)],
    # enum holding the key
    "kotlin-app/src/main/kotlin/com/acme/perm/Keys.kt": [(4, "indirect", NEEDS_REVIEW)],
    # 6: plugin SDK port 2990
    "kotlin-app/src/main/kotlin/com/acme/perm/LocalSdkBridge.kt": [(6, "url-query", REPORT_ONLY)],
    # counterpart: Kotlin project check
    "kotlin-app/src/main/kotlin/com/acme/perm/PermissionService.kt": [(5, "url-query", REWRITTEN), (6, "response-read", REWRITTEN)],
    # 3: kotest shouldBe
    "kotlin-app/src/test/kotlin/com/acme/perm/PermissionServiceTest.kt": [(8, "assertion", NEEDS_REVIEW)],
    # 6: /jira context path
    "php-app/src/LegacyServerClient.php": [(11, "url-query", REPORT_ONLY), (12, "response-read", REPORT_ONLY)],
    # 1: data_get dotted path
    "php-app/src/PayloadReader.php": [(13, "url-query", NEEDS_REVIEW), (14, "unrecognised", NEEDS_REVIEW)],
    # counterpart: PHP project check
    "php-app/src/PermissionGate.php": [(13, "url-query", REWRITTEN), (14, "response-read", REWRITTEN)],
    # 3: assertStringContainsString
    "php-app/tests/PermissionGateTest.php": [(13, "assertion", NEEDS_REVIEW)],
    # counterpart (filter) and 4 (its fixture is asserted); tests pass after --write
    "py-sync/audit_report.py": [(6, "grant", NEEDS_REVIEW), (12, "grant-filter", REWRITTEN)],
    # 2: `!= ... continue` building reader groups
    "py-sync/group_sync.py": [(9, "grant-filter", NEEDS_REVIEW)],
    # 1: helper has(perms, key)
    "py-sync/helpers.py": [(11, "url-query", NEEDS_REVIEW), (13, "unrecognised", NEEDS_REVIEW)],
    # counterpart: issue context, tests pass after --write
    "py-sync/issue_check.py": [(9, "url-query", REWRITTEN), (11, "response-read", REWRITTEN)],
    # 6: Data Center connector by name
    "py-sync/jira_dc_sync.py": [(7, "check-body", REPORT_ONLY)],
    # 5: display name in text and JQL
    "py-sync/messages.py": [(3, "key-variant", NEEDS_REVIEW), (4, "key-variant", NEEDS_REVIEW), (8, "unrecognised", NEEDS_REVIEW)],
    # 5: one new key, context from the caller
    "py-sync/mixed_params.py": [(5, "check-body", NEEDS_REVIEW)],
    # 3: assert parse(...) == ...
    "py-sync/parse_keys.py": [(5, "indirect", NEEDS_REVIEW), (14, "assertion", NEEDS_REVIEW)],
    # counterpart: params= dict, tests pass after --write
    "py-sync/perm_check.py": [(14, "check-body", REWRITTEN), (19, "response-read", REWRITTEN)],
    # 1: recorded response (responses library)
    "py-sync/recorded_responses.py": [(12, "check-body", NEEDS_REVIEW), (13, "response-read", NEEDS_REVIEW), (21, "response-read", NEEDS_REVIEW), (21, "unrecognised", NEEDS_REVIEW)],
    # counterpart: grant fixture nobody asserts
    "py-sync/seed_scheme.py": [(7, "grant", REWRITTEN), (9, "grant", REWRITTEN)],
    # 4: fixture whose length and permission set are asserted
    "py-sync/test_scheme_fixture.py": [(6, "grant", NEEDS_REVIEW)],
    # 1: a constant read through a typed view
    "py-sync/typed_client.py": [(17, "indirect", NEEDS_REVIEW), (21, "url-query", NEEDS_REVIEW)],
    # 1: find { it.permission == ... } over the check result
    "scriptrunner/cloud/BulkFind.groovy": [(2, "check-body", NEEDS_REVIEW), (4, "grant-filter", NEEDS_REVIEW)],
    # counterpart: ScriptRunner Cloud issue check
    "scriptrunner/cloud/IssueVisibility.groovy": [(5, "check-body", REWRITTEN), (7, "response-read", REWRITTEN)],
    # counterpart: ScriptRunner Cloud project check
    "scriptrunner/cloud/ProjectCheck.groovy": [(3, "url-query", REWRITTEN), (4, "response-read", REWRITTEN)],
    # 6: ScriptRunner on Data Center
    "scriptrunner/server/BrowseGuard.groovy": [(6, "server-api", REPORT_ONLY)],
    # 3: Spock assert
    "scriptrunner/spec/KeysSpec.groovy": [(6, "assertion", NEEDS_REVIEW)],
    # counterpart: jira.js getMyPermissions
    "sdk-wrapper/src/client.ts": [(6, "check-body", REWRITTEN), (7, "response-read", REWRITTEN)],
    # 3: expect(...).toBe
    "sdk-wrapper/src/keys.test.ts": [(5, "assertion", NEEDS_REVIEW)],
    # constant list of keys
    "sdk-wrapper/src/keys.ts": [(2, "indirect", NEEDS_REVIEW)],
    # 4: fixture with toHaveLength
    "sdk-wrapper/src/scheme.test.ts": [(5, "grant", NEEDS_REVIEW)],
}

# Occurrences with no finding by design: constructs already migrated (both new keys named beside the old).
MIGRATED = {"connect-app/src/grantsAudit.js": {11}}

