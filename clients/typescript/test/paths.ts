import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

/** clients/typescript (tests run from dist/test/). */
export const PKG_DIR = fileURLToPath(new URL("../../", import.meta.url));
/** The repository root. */
export const REPO_ROOT = resolve(PKG_DIR, "../..");
