import api, { route } from "@forge/api";

// Half-migrated by hand: the query names one new key and the old one, and its context is built elsewhere.
export async function checkWith(query: string) {
  const res = await api.asUser().requestJira(route`/rest/api/3/mypermissions?${query}&permissions=BROWSE_PROJECTS,VIEW_ISSUES`);
  return res.json();
}
