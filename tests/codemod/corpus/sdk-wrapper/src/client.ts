import { Version3Client } from "jira.js";

const client = new Version3Client({ host: "https://acme.atlassian.net", authentication: { oauth2: { accessToken: process.env.TOKEN ?? "" } } });

export async function canBrowseProject(projectKey: string): Promise<boolean> {
  const result = await client.permissions.getMyPermissions({ permissions: "BROWSE_PROJECTS", projectKey });
  return Boolean(result.permissions?.BROWSE_PROJECTS?.havePermission);
}
