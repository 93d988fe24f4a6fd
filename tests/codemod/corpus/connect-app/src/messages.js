"use strict";

async function requireProjectAccess(httpClient, projectKey) {
  const r = await httpClient.get(`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=BROWSE_PROJECTS`);
  if (!r.permissions.BROWSE_PROJECTS.havePermission) {
    throw new Error("You need the BROWSE_PROJECTS permission on this project to use the app.");
  }
}

module.exports = { requireProjectAccess };
