from flask import Blueprint, render_template, request

from sla.jira import Jira
from sla.store import installation_for

bp = Blueprint("sla", __name__)


@bp.get("/glance")
def glance():
    jira = Jira(installation_for(request))
    breaching = jira.breaching(request.args["projectKey"])
    owners = {i["fields"]["assignee"]["emailAddress"] for i in breaching if i["fields"].get("assignee")}
    return render_template("glance.html", breaching=breaching, owners=sorted(owners))
