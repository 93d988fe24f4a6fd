import React, { useEffect, useState } from 'react';
import { requestJira, view } from '@forge/bridge';

async function openIssues(projectKey) {
  const jql = `project = "${projectKey}" AND statusCategory != Done ORDER BY updated DESC`;
  const res = await requestJira(`/rest/api/3/search/jql?jql=${encodeURIComponent(jql)}&fields=summary,status&maxResults=50`);
  return (await res.json()).issues;
}

async function versions(projectKey) {
  const res = await requestJira(`/rest/api/3/project/${projectKey}/versions`, { headers: { Accept: 'application/json' } });
  return res.json();
}

// The gadget's "details" link can point at any entity the admin configured.
async function details(entity, id) {
  const res = await requestJira(`/rest/api/3/${entity}/${id}`);
  return res.json();
}

export default function App() {
  const [state, setState] = useState(null);
  useEffect(() => {
    view.getContext().then(async (ctx) => {
      const key = ctx.extension.gadgetConfiguration.projectKey;
      const [issues, vers] = await Promise.all([openIssues(key), versions(key)]);
      const extra = ctx.extension.gadgetConfiguration.entity
        ? await details(ctx.extension.gadgetConfiguration.entity, ctx.extension.gadgetConfiguration.entityId)
        : null;
      setState({ issues, vers, extra });
    });
  }, []);
  return state ? <pre>{JSON.stringify(state, null, 2)}</pre> : <p>Loading…</p>;
}
