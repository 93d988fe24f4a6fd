<?php

namespace Acme\Jira\Tests;

use PHPUnit\Framework\TestCase;

final class PermissionGateTest extends TestCase
{
    public function testAsksForTheBrowsePermission(): void
    {
        $client = new RecordingClient(['permissions' => []]);
        (new \Acme\Jira\PermissionGate($client))->canViewProject('OPS');
        $this->assertStringContainsString('permissions=BROWSE_PROJECTS', $client->lastUrl());
    }
}
