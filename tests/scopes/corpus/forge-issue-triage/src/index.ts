import Resolver from '@forge/resolver';
import api, { route, storage, properties } from '@forge/api';

const resolver = new Resolver();

// Reads the issue the panel is on (as the viewing user, so their permissions apply).
resolver.define('getIssue', async ({ context }) => {
  const key: string = context.extension.issue.key;
  const res = await api
    .asUser()
    .requestJira(route`/rest/api/3/issue/${key}?fields=summary,labels,priority`, {
      headers: { Accept: 'application/json' },
    });
  if (!res.ok) {
    throw new Error(`Jira answered ${res.status} for /rest/api/3/issue/${key}`);
  }
  return res.json();
});

resolver.define('setLabels', async ({ payload, context }) => {
  const key: string = context.extension.issue.key;
  await api.asUser().requestJira(route`/rest/api/3/issue/${key}`, {
    method: 'PUT',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ update: { labels: payload.labels.map((l: string) => ({ add: l })) } }),
  });
  await properties.onJiraIssue(key).set('triage', { labelledAt: Date.now() });
  return { ok: true };
});

resolver.define('comment', async ({ payload, context }) => {
  const key: string = context.extension.issue.key;
  const body = { body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: payload.text }] }] } };
  const res = await api.asApp().requestJira(route`/rest/api/3/issue/${key}/comment`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  await storage.set(`last-comment:${key}`, Date.now());
  return res.status;
});

export const handler = resolver.getDefinitions();
