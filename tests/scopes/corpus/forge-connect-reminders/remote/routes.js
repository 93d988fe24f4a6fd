// The Connect remote (atlassian-connect-express) that still serves the general page and the webhook.
export default function routes(app, addon) {
  app.post('/webhooks/issue-updated', addon.authenticate(), async (req, res) => {
    const key = req.body.issue.key;
    const httpClient = addon.httpClient(req);
    httpClient.get({ url: '/rest/api/3/issue/' + key + '/comment', json: true }, (err, resp, body) => {
      const overdue = !err && body.comments.every((c) => !c.body.includes('reminder'));
      if (overdue) {
        httpClient.post({ url: `/rest/api/3/issue/${key}/comment`, json: { body: 'Friendly reminder: this is due.' } }, () => {});
      }
    });
    res.sendStatus(204);
  });
}
