<?php

namespace App\Services;

use GuzzleHttp\Client;

final class JiraApprovals
{
    public function __construct(private Client $client)
    {
    }

    /** Transitions the approver may take from the current status. */
    public function transitions(string $key): array
    {
        $r = $this->client->get("/rest/api/3/issue/{$key}/transitions");
        return json_decode((string) $r->getBody(), true)['transitions'];
    }

    public function approve(string $key, string $transitionId): void
    {
        $this->client->request('POST', "/rest/api/3/issue/{$key}/transitions", [
            'json' => ['transition' => ['id' => $transitionId]],
        ]);
    }

    /** Approvers stop watching once they have decided. */
    public function unwatch(string $key, string $accountId): void
    {
        $this->client->delete("/rest/api/3/issue/{$key}/watchers/{$accountId}");
    }

    /** Approvers come from the project's "Approvers" role. */
    public function roles(string $projectKey): array
    {
        $r = $this->client->get(sprintf('/rest/api/3/project/%s/role', rawurlencode($projectKey)));
        return json_decode((string) $r->getBody(), true);
    }
}
