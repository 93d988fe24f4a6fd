import api, { route } from "@forge/api";

// Recent issues across every project the user can browse.
export async function recentIssues(limit = 20) {
  const jql = 'project in projectsWhereUserHasPermission("Browse Projects") AND updated >= -7d ORDER BY updated DESC';
  const res = await api.asUser().requestJira(route`/rest/api/3/search/jql?jql=${jql}&maxResults=${limit}`);
  return (await res.json()).issues;
}
