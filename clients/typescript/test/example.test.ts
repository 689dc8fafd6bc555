import { test } from "node:test";
import assert from "node:assert/strict";

test("the walkthrough example compiles and imports without running", async () => {
  const example = await import("../examples/walkthrough.js");
  assert.equal(typeof example.main, "function");
});
