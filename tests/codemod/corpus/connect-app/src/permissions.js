"use strict";

// Reads one key out of a mypermissions response.
function has(perms, key) {
  const entry = perms.permissions && perms.permissions[key];
  return Boolean(entry && entry.havePermission);
}

async function canBrowse(httpClient, projectKey) {
  const res = await httpClient.asUser().get(`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=BROWSE_PROJECTS`);
  return has(JSON.parse(res.body), "BROWSE_PROJECTS");
}

module.exports = { has, canBrowse };
