import Resolver from '@forge/resolver';
import api, { route } from '@forge/api';

const resolver = new Resolver();

resolver.define('due', async ({ context }) => {
  const key = context.extension.issue.key;
  const res = await api.asUser().requestJira(route`/rest/api/3/issue/${key}?fields=duedate`);
  return (await res.json()).fields.duedate;
});

resolver.define('snooze', async ({ payload, context }) => {
  const key = context.extension.issue.key;
  await api.asApp().requestJira(route`/rest/api/3/issue/${key}/properties/reminder`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ snoozedUntil: payload.until }),
  });
});

export const handler = resolver.getDefinitions();
