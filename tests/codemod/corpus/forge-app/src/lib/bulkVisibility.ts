import api, { route } from "@forge/api";

type BulkResult = { projectPermissions: { permission: string; issues: number[]; projects: number[] }[] };

// Which of these issues may the user open? One bulk call instead of one per issue.
export async function visibleIssueIds(accountId: string, issueIds: number[]): Promise<number[]> {
  const res = await api.asApp().requestJira(route`/rest/api/3/permissions/check`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      accountId,
      projectPermissions: [{ permissions: ["BROWSE_PROJECTS"], issues: issueIds }],
    }),
  });
  const data = (await res.json()) as BulkResult;
  const browse = data.projectPermissions.find((p) => p.permission === "BROWSE_PROJECTS");
  return browse ? browse.issues : [];
}
