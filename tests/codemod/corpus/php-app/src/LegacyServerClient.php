<?php

namespace Acme\Jira;

final class LegacyClient
{
    private string $base = 'https://jira.acme.internal/jira';

    public function canBrowse(string $projectKey): bool
    {
        $json = $this->http->getJson($this->base . '/rest/api/2/mypermissions?projectKey=' . $projectKey . '&permissions=BROWSE_PROJECTS');
        return $json['permissions']['BROWSE_PROJECTS']['havePermission'];
    }
}
