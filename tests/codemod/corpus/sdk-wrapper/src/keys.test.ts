import { expect, test } from "vitest";
import { REQUIRED_PERMISSIONS } from "./keys";

test("asks for browse first", () => {
  expect(REQUIRED_PERMISSIONS[0]).toBe("BROWSE_PROJECTS");
});
