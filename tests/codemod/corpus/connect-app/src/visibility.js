"use strict";

const test = require("node:test");
const assert = require("node:assert");

// May the user see the project? The response is read right where it is asked for.
async function canSeeProject(fetchImpl, projectKey) {
  const res = await fetchImpl(`/rest/api/3/mypermissions?projectKey=${encodeURIComponent(projectKey)}&permissions=BROWSE_PROJECTS`);
  const body = await res.json();
  return body.permissions.BROWSE_PROJECTS.havePermission;
}

// May the user see the issue?
async function canSeeIssue(fetchImpl, issueKey) {
  const res = await fetchImpl(`/rest/api/3/mypermissions?issueKey=${encodeURIComponent(issueKey)}&permissions=BROWSE_PROJECTS`);
  const body = await res.json();
  return body.permissions.BROWSE_PROJECTS.havePermission;
}

module.exports = { canSeeProject, canSeeIssue };

// A fake site: it answers every key the request asks for, all held or none.
function fakeJira(allowed) {
  const seen = [];
  const fetchImpl = async (url) => {
    const asked = new URL(url, "https://example.atlassian.net").searchParams.get("permissions").split(",");
    seen.push(asked);
    const permissions = Object.fromEntries(asked.map((k) => [k, { key: k, havePermission: allowed }]));
    return { json: async () => ({ permissions }) };
  };
  return { fetchImpl, seen };
}

test("a user who holds the permission sees the project", async () => {
  const site = fakeJira(true);
  assert.strictEqual(await canSeeProject(site.fetchImpl, "OPS"), true);
  assert.strictEqual(site.seen.length, 1);
});

test("a user without it does not", async () => {
  assert.strictEqual(await canSeeProject(fakeJira(false).fetchImpl, "OPS"), false);
});

test("issue visibility follows the held keys", async () => {
  assert.strictEqual(await canSeeIssue(fakeJira(true).fetchImpl, "OPS-1"), true);
  assert.strictEqual(await canSeeIssue(fakeJira(false).fetchImpl, "OPS-1"), false);
});
