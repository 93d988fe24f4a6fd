import api, { route } from "@forge/api";

interface MyPermissions {
  permissions: Record<string, { havePermission: boolean }>;
}

export async function userCanSeeIssue(issueKey: string): Promise<boolean> {
  const response = await api
    .asUser()
    .requestJira(route`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=BROWSE_PROJECTS`, {
      headers: { Accept: "application/json" },
    });
  const body = (await response.json()) as MyPermissions;
  if (!body.permissions.BROWSE_PROJECTS.havePermission) {
    console.log(`hiding panel for ${issueKey}`);
    return false;
  }
  return true;
}
