package example.escalations

import groovy.transform.CompileStatic

/**
 * Escalates overdue issues: reads the issue, then leaves a comment for the assignee.
 * Requests go through JiraHttp (JWT-signed get/post helpers).
 */
@CompileStatic
class EscalationService {

    JiraHttp jira

    Map issue(String key) {
        jira.get("/rest/api/3/issue/${key}?fields=duedate,assignee") as Map
    }

    void escalate(String key, String text) {
        def body = [body: [type: 'doc', version: 1, content: [[type: 'paragraph', content: [[type: 'text', text: text]]]]]]
        jira.post('/rest/api/3/issue/' + key + '/comment', body)
        log.info("escalated via /rest/api/3/issue/${key}/comment")
    }
}
