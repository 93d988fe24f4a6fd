import api, { route } from '@forge/api';

// Keeps a small per-issue stats property that the gadget sums up.
export async function onIssueUpdated(event) {
  const issueId = event.issue.id;
  const stats = { updated: event.changelog ? event.changelog.items.length : 0, at: Date.now() };
  const res = await api.asApp().requestJira(route`/rest/api/3/issue/${issueId}/properties/dashboard-stats`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(stats),
  });
  if (res.status >= 400) {
    console.warn(`could not store stats for ${issueId}: ${res.status}`);
  }
}
