<?php
// Project check for a Connect app written in PHP.
function can_see_project($client, $projectKey) {
    $r = $client->get('/rest/api/3/mypermissions?projectKey=' . urlencode($projectKey) . '&permissions=BROWSE_PROJECTS');
    return $r['permissions']['BROWSE_PROJECTS']['havePermission'];
}
