import api, { route } from "@forge/api";
import Resolver from "@forge/resolver";

const resolver = new Resolver();

// Project pages: may the current user see the project at all?
resolver.define("canViewProject", async ({ payload }) => {
  const { projectKey } = payload as { projectKey: string };
  const res = await api
    .asUser()
    .requestJira(route`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=BROWSE_PROJECTS`);
  if (!res.ok) {
    return { visible: false, status: res.status };
  }
  const perms = await res.json();
  return { visible: perms.permissions.BROWSE_PROJECTS.havePermission === true };
});

export const handler = resolver.getDefinitions();
