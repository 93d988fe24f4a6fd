import responses

from sla.jira import Jira


@responses.activate
def test_breaching(installation):
    responses.get("https://site.example/rest/api/3/search/jql", json={"issues": []})
    responses.post("https://site.example/rest/api/3/issue", json={})
    assert Jira(installation).breaching("SLA") == []
