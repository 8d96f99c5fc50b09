/**
 * Preloaded (NODE_OPTIONS=--require) by scripts/nr5.sh: every require of node-red, @node-red/*
 * and node-red-node-test-helper — from the tests, the test helper, the real-runtime child and
 * the browser test's Node-RED process alike — resolves in AMI_TEST_NODE_RED_DIR (where
 * Node-RED 5 is installed) instead of the repo's node_modules (Node-RED 4). Nothing else is
 * redirected, and no test file needs to know.
 */
"use strict";
const Module = require("module");

const dir = process.env.AMI_TEST_NODE_RED_DIR;
if (!dir) throw new Error("nr5-preload: AMI_TEST_NODE_RED_DIR is not set");
const REDIRECT = /^(?:node-red|node-red-node-test-helper|@node-red\/[^/]+)(?:\/|$)/;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if (REDIRECT.test(request)) return resolve.call(this, request, parent, isMain, { ...(options || {}), paths: [dir] });
  return resolve.call(this, request, parent, isMain, options);
};
