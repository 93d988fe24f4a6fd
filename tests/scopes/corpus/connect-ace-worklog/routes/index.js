export default function routes(app, addon) {
  app.get('/', (req, res) => res.redirect('/atlassian-connect.json'));

  app.get('/reminders', addon.authenticate(), (req, res) => {
    res.render('reminders', { title: 'Worklog reminders' });
  });

  // Worklogs of one issue, read as the app.
  app.get('/api/worklogs/:issueKey', addon.checkValidToken(), (req, res) => {
    const httpClient = addon.httpClient(req);
    httpClient.get({ url: '/rest/api/3/issue/' + req.params.issueKey + '/worklog', json: true }, (err, response, body) => {
      if (err) {
        return res.status(502).send(err);
      }
      res.json(body.worklogs);
    });
  });

  // "Log it for me": the worklog is written as the reminded user, not as the app.
  app.post('/api/worklogs/:issueKey', addon.checkValidToken(), (req, res) => {
    const accountId = req.context.userAccountId;
    addon
      .httpClient(req)
      .asUserByAccountId(accountId)
      .post({
        url: `/rest/api/3/issue/${req.params.issueKey}/worklog?notifyUsers=false`,
        json: { timeSpentSeconds: req.body.seconds, started: req.body.started },
      }, (err, response) => {
        res.status(err ? 502 : response.statusCode).end();
      });
  });

  app.post('/webhooks/worklog-updated', addon.authenticate(), (req, res) => {
    console.log('worklog updated on /rest/api/3/issue/' + req.body.worklog.issueId);
    res.sendStatus(204);
  });
}
