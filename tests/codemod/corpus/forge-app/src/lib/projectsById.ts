import api, { route } from "@forge/api";

// The subset of project ids the app user may browse (project-level check, no issue data read here).
export async function browsableProjects(accountId: string, projectIds: number[]): Promise<number[]> {
  const res = await api.asApp().requestJira(route`/rest/api/3/permissions/check`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ accountId, projectPermissions: [{ permissions: ["BROWSE_PROJECTS"], projects: projectIds }] }),
  });
  const data = await res.json();
  return data.projectPermissions.length ? data.projectPermissions[0].projects : [];
}
