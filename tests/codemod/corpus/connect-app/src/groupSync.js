"use strict";

// Keeps the app's own ACL in step with Jira: the groups that may see a project's issues.
async function syncIssueViewers(jira, store, schemeId) {
  const scheme = await jira.get(`/rest/api/3/permissionscheme/${schemeId}?expand=permissions`);
  const groups = scheme.permissions
    .filter((g) => g.permission === "BROWSE_PROJECTS" && g.holder.type === "group")
    .map((g) => g.holder.parameter);
  await store.replaceViewers(schemeId, groups);
  return groups;
}

module.exports = { syncIssueViewers };
