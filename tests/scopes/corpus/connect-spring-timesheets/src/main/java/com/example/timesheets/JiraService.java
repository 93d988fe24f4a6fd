package com.example.timesheets;

import com.atlassian.connect.spring.AtlassianHostRestClients;
import java.util.Map;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Service;

@Service
public class JiraService {

    private static final String API = "/rest/api/2";

    private final AtlassianHostRestClients restClients;

    public JiraService(AtlassianHostRestClients restClients) {
        this.restClients = restClients;
    }

    public Map<?, ?> project(String key) {
        return restClients.authenticatedAsAddon().getForObject("/rest/api/2/project/{key}", Map.class, key);
    }

    /** Worklogs of the project, newest first (JQL through the classic search resource). */
    public Map<?, ?> worklogIssues(String projectKey) {
        String jql = "project = " + projectKey + " AND worklogDate >= startOfWeek()";
        return restClients.authenticatedAsAddon().getForObject(API + "/search?jql={jql}&fields=worklog", Map.class, jql);
    }

    /** Deleting a worklog happens as the user who asked for it. */
    public void deleteWorklog(String issueKey, String worklogId) {
        restClients.authenticatedAsHostActor()
                .exchange("/rest/api/2/issue/{issueKey}/worklog/{id}", HttpMethod.DELETE, null, Void.class, issueKey, worklogId);
    }

    /** Timesheet exports carry the author's email address. */
    public Map<?, ?> email(String accountId) {
        return restClients.authenticatedAsAddon().getForObject("/rest/api/3/user/email?accountId={id}", Map.class, accountId);
    }

    /** Sites without an "Overtime" priority get one on first use. */
    public void ensureOvertimePriority() {
        Map<String, Object> priority = Map.of("name", "Overtime", "statusColor", "#ff8b00");
        restClients.authenticatedAsAddon().postForObject("/rest/api/3/priority", priority, Map.class);
    }
}
