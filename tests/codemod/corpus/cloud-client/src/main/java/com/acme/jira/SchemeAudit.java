package com.acme.jira;

import java.util.List;
import java.util.stream.Collectors;

public class SchemeAudit {
    /** The groups whose members can read the scheme's issues (fed to the export ACL). */
    public List<String> issueReaderGroups(PermissionScheme scheme) {
        return scheme.getPermissions().stream()
            .filter(g -> "BROWSE_PROJECTS".equals(g.getPermission()))
            .filter(g -> "group".equals(g.getHolder().getType()))
            .map(g -> g.getHolder().getParameter())
            .collect(Collectors.toList());
    }
}
