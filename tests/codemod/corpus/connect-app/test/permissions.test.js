"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { canBrowse } = require("../src/permissions");

// A recorded answer from the site, replayed for the project check.
const recorded = {
  "/rest/api/3/mypermissions?projectKey=OPS&permissions=BROWSE_PROJECTS": {
    permissions: { BROWSE_PROJECTS: { key: "BROWSE_PROJECTS", havePermission: true } },
  },
};

function replay() {
  return {
    asUser: () => ({
      get: async (url) => {
        if (!(url in recorded)) throw new Error(`no recording for ${url}`);
        return { body: JSON.stringify(recorded[url]) };
      },
    }),
  };
}

test("the recorded user can browse OPS", async () => {
  assert.strictEqual(await canBrowse(replay(), "OPS"), true);
});
