import { describe, expect, it } from "vitest";
import { toScheme } from "./scheme";

const grants = [
  { holder: { type: "group", parameter: "staff" }, permission: "BROWSE_PROJECTS" },
  { holder: { type: "group", parameter: "staff" }, permission: "EDIT_ISSUES" },
];

describe("toScheme", () => {
  it("keeps every grant", () => {
    expect(toScheme("Staff", grants).permissions).toHaveLength(2);
  });
});
