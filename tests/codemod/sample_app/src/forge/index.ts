import api, { route } from "@forge/api";

// Issue panel: can the viewer see this issue? (BROWSE_PROJECTS in a comment is never touched)
export async function canSeeIssue(issueKey: string): Promise<boolean> {
  const res = await api.asUser().requestJira(
    route`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=BROWSE_PROJECTS`
  );
  const perms = await res.json();
  return perms.permissions.BROWSE_PROJECTS.havePermission;
}

// Project page: project-level check only.
export async function canBrowseProject(projectKey: string): Promise<boolean> {
  const res = await api.asUser().requestJira(
    route`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=EDIT_ISSUES%2CBROWSE_PROJECTS`
  );
  const data = await res.json();
  return data.permissions["BROWSE_PROJECTS"].havePermission;
}

export async function bulkCheck(accountId: string, issueIds: number[]) {
  return api.asApp().requestJira(route`/rest/api/3/permissions/check`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      accountId,
      projectPermissions: [{ permissions: ["BROWSE_PROJECTS"], issues: issueIds }],
    }),
  });
}

// The key is passed in: its context is only known at run time.
export async function check(key: string, permission: string) {
  return api.asUser().requestJira(route`/rest/api/3/mypermissions?projectKey=${key}&permissions=${permission}`);
}
