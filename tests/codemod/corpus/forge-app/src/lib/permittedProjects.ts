import api, { route } from "@forge/api";

// Projects the user can see, for the project picker in the admin page.
export async function pickerProjects(): Promise<{ id: number; key: string }[]> {
  const res = await api.asUser().requestJira(route`/rest/api/3/permissions/project`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ permissions: ["BROWSE_PROJECTS"] }),
  });
  const { projects } = await res.json();
  return projects.map((p: { id: string; key: string }) => ({ id: Number(p.id), key: p.key }));
}
