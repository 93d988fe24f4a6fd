package com.example.timesheets;

import static org.mockito.Mockito.verify;

class JiraServiceTest {
    void readsTheProject() {
        verify(restTemplate).getForObject("/rest/api/2/project/{key}", java.util.Map.class, "TS");
        restTemplate.delete("/rest/api/2/project/TS");
    }
}
