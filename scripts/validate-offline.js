#!/usr/bin/env node
/**
 * Runs `node-red-dev validate` (the Node-RED flow library's scorecard) and fails unless every
 * check passes.
 *
 * Two checks, P08 (similar package names) and N01 (duplicate node types), download the flow
 * library's catalogue from catalogue.nodered.org, a host this build network cannot reach. That one
 * request is answered here with an empty catalogue ({"modules": []}); every other check,
 * including the npm registry look-ups of P06/P07, runs for real. So P08 and N01 only prove that
 * the checks run; name clashes with published packages are not checked offline.
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const CATALOGUE = "https://catalogue.nodered.org/catalogue.json";
const devDir = path.dirname(require.resolve("node-red-dev/package.json"));
const axios = require(require.resolve("axios", { paths: [devDir] }));

axios.interceptors.request.use((config) => {
  if (config.url === CATALOGUE) {
    config.adapter = async (cfg) => ({ data: { modules: [] }, status: 200, statusText: "OK", headers: {}, config: cfg, request: {} });
  }
  return config;
});

async function main() {
  const root = path.resolve(__dirname, "..");
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "nr-validate-")), "scorecard.json");
  const Validate = require(path.join(devDir, "src", "commands", "validate.js"));
  await Validate.run(["--path", root, "--output", out, "--embed", "true"]);
  const scorecard = JSON.parse(fs.readFileSync(out, "utf8"));
  const failed = Object.entries(scorecard).filter(([k, v]) => /^[A-Z]\d\d$/.test(k) && v && v.test !== true);
  const checks = Object.keys(scorecard).filter((k) => /^[A-Z]\d\d$/.test(k)).sort();
  console.log(`scorecard: ${checks.length} checks (${checks.join(" ")}); P08 and N01 ran against an empty catalogue (offline)`);
  if (failed.length > 0) {
    console.error(`validate FAILED: ${failed.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join("; ")}`);
    process.exit(1);
  }
  console.log("validate: every check passed");
  // node-red-dev leaves a readline interface open on stdin.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
