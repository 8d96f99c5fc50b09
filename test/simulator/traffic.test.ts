import { strict as assert } from "node:assert";
import { CallEngine } from "../../simulator/calls";
import { DeviceStates } from "../../simulator/devices";
import { Traffic, seededRandom } from "../../simulator/traffic";

/** Every phone idle, so each request depends on the random draws alone. */
const idle = { state: () => "NOT_INUSE" } as unknown as DeviceStates;
const noCalls = {} as CallEngine;

function requests(random: () => number, n: number): string[] {
  const traffic = new Traffic(noCalls, idle, 60, random);
  return Array.from({ length: n }, () => JSON.stringify(traffic.request()));
}

describe("simulated PBX: seeded background traffic", function () {
  it("the same seed gives the same calls, another seed other calls", () => {
    const a = requests(seededRandom(42), 40);
    assert.deepEqual(requests(seededRandom(42), 40), a);
    assert.notDeepEqual(requests(seededRandom(43), 40), a);
  });

  it("the generator stays in [0, 1) and spreads over it", () => {
    const next = seededRandom(7);
    const draws = Array.from({ length: 10000 }, next);
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    const tenths = new Array<number>(10).fill(0);
    for (const x of draws) tenths[Math.floor(x * 10)]++;
    assert.ok(tenths.every((n) => n > 850 && n < 1150), `draws per tenth: ${tenths.join(",")}`);
  });

  it("a seeded deck of 20 calls carries the whole mix", () => {
    const kinds = requests(seededRandom(1), 20).map((r) => {
      const { channel } = JSON.parse(r) as { channel: string };
      return channel.endsWith("@from-internal") ? (/^Local\/600\d@/.test(channel) ? "internal" : "outbound") : channel;
    });
    const count = (k: string): number => kinds.filter((x) => x === k).length;
    assert.equal(count("internal"), 3);
    assert.equal(count("outbound"), 3);
    assert.equal(count("Local/4930123400@from-pstn"), 5, "ring group");
    assert.equal(count("Local/4930123401@from-pstn"), 3, "queue");
  });
});
