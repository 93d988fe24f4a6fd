const PERMISSION_KEY = "BROWSE_PROJECTS";

async function projectVisible(httpClient, projectKey) {
  const url = "/rest/api/3/mypermissions?projectKey=" + encodeURIComponent(projectKey) +
    "&permissions=" + "BROWSE_PROJECTS";
  const body = await httpClient.get(url);
  return body.permissions.BROWSE_PROJECTS.havePermission;
}

async function listVisibleIssues(httpClient, projectKey) {
  const r = await httpClient.get(`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=BROWSE_PROJECTS`);
  if (!r.permissions.BROWSE_PROJECTS.havePermission) return [];
  return httpClient.get(`/rest/api/3/search/jql?jql=project=${projectKey}`);
}

function browseGrants(scheme) {
  return scheme.permissions.filter((g) => g.permission === "BROWSE_PROJECTS");
}

module.exports = { projectVisible, listVisibleIssues, browseGrants, PERMISSION_KEY };
