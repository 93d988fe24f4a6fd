<?php

namespace Acme\Jira;

final class PermissionGate
{
    public function __construct(private JiraClient $client)
    {
    }

    public function canViewProject(string $projectKey): bool
    {
        $r = $this->client->get('/rest/api/3/mypermissions?projectKey=' . urlencode($projectKey) . '&permissions=BROWSE_PROJECTS');
        return (bool) $r['permissions']['BROWSE_PROJECTS']['havePermission'];
    }
}
