import * as assert from "node:assert/strict";
import { endpointOf } from "../../src/node-red/endpoint";

describe("endpointOf: the extension a channel or device belongs to", () => {
  it("reads the forms its comment promises", () => {
    assert.equal(endpointOf("PJSIP/6001-0000002a"), "6001");
    assert.equal(endpointOf("Local/6001@phones-0000abcd;1"), "6001");
    assert.equal(endpointOf("Custom:6001"), "6001");
    assert.equal(endpointOf("SIP/trunk/0049301234"), "0049301234");
  });

  it("a device (no channel suffix) is its endpoint; the other half of a Local channel too", () => {
    assert.equal(endpointOf("PJSIP/6001"), "6001");
    assert.equal(endpointOf("Local/6001@phones-0000abcd;2"), "6001");
    assert.equal(endpointOf("custom:6002"), "6002", "the Custom: prefix in any case");
  });

  it("keeps a name whose dash is not a channel's 8 hex digits", () => {
    assert.equal(endpointOf("PJSIP/front-desk"), "front-desk");
    assert.equal(endpointOf("PJSIP/6001-0000002"), "6001-0000002", "7 digits: part of the name");
  });

  it("nothing to read gives undefined, never an empty name", () => {
    assert.equal(endpointOf(undefined), undefined);
    assert.equal(endpointOf(""), undefined);
    assert.equal(endpointOf("PJSIP/"), undefined);
    assert.equal(endpointOf("Local/@phones-0000abcd;1"), undefined);
  });
});
