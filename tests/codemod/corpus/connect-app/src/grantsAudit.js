"use strict";

// Nightly audit: one CSV row per grant of the browse permission family, for the admins' review.
function auditRows(scheme) {
  return scheme.permissions
    .filter((g) => g.permission === "BROWSE_PROJECTS")
    .map((g) => [scheme.name, g.permission, g.holder.type, g.holder.parameter || ""].join(","));
}

function alreadyAudited(scheme) {
  return scheme.permissions.filter((g) => ["BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"].includes(g.permission)).length;
}

module.exports = { auditRows, alreadyAudited };
