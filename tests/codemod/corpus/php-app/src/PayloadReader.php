<?php

namespace Acme\Jira;

final class PayloadReader
{
    public function __construct(private JiraClient $client)
    {
    }

    public function canSeeIssue(string $issueKey): bool
    {
        $payload = $this->client->get('/rest/api/3/mypermissions?issueKey=' . $issueKey . '&permissions=BROWSE_PROJECTS');
        return (bool) data_get($payload, 'permissions.BROWSE_PROJECTS.havePermission', false);
    }
}
