// The package's `prepare` script: compiles src/ and gen/ into dist/ (the package's entry point).
//
// `npm install /path/to/clients/typescript` links that folder (or, with --install-links, packs it)
// and runs this script there, but installs neither its devDependencies (TypeScript) nor, for a
// link, its dependencies. So when the compiler is missing, this first installs the folder's
// locked dependencies itself (`npm ci`, without scripts so it does not run again), then builds.
// In a development checkout (`npm ci` already ran) it only builds.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");

if (!existsSync(tsc)) {
  // The consumer's install settings must not reach this install of the package's own
  // dependencies (e.g. --omit=dev would leave out the compiler, --global would install elsewhere).
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^npm_config_(omit|include|production|only|global|prefix|local_prefix|install_links|save.*)$/i.test(name)) {
      delete env[name];
    }
  }
  const npm = process.env["npm_execpath"];
  const [command, args] = npm ? [process.execPath, [npm]] : ["npm", []];
  execFileSync(command, [...args, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: here,
    env,
    stdio: "inherit",
  });
}
execFileSync(process.execPath, [tsc, "-p", join(here, "tsconfig.build.json")], { cwd: here, stdio: "inherit" });
