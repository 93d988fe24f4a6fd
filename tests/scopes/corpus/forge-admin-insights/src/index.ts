import Resolver from '@forge/resolver';
import api, { route, assumeTrustedRoute } from '@forge/api';

const resolver = new Resolver();

resolver.define('overview', async () => {
  const [server, projects, workflows] = await Promise.all([
    api.asApp().requestJira(route`/rest/api/3/serverInfo`),
    api.asApp().requestJira(route`/rest/api/3/project`),
    api.asApp().requestJira(route`/rest/api/3/workflow/search?expand=statuses`),
  ]);
  return { server: await server.json(), projects: await projects.json(), workflows: await workflows.json() };
});

// Saved "drill-down" links come from the admin's own configuration.
resolver.define('drillDown', async ({ payload }) => {
  const res = await api.asUser().requestJira(assumeTrustedRoute(payload.path));
  return res.json();
});

export const handler = resolver.getDefinitions();
