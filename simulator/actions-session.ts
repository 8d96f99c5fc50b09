/**
 * Session actions: Challenge, Login, Logoff, Ping, Events, Filter, ListCommands.
 */
import { createHash, randomInt } from "node:crypto";
import { PbxEvent } from "./events";
import { advancedFilter, legacyFilter } from "./filters";
import { MANAGER_ACTIONS } from "./manager-actions";
import { error, Handler, reply, success } from "./action-replies";

export const SESSION_ACTIONS: Record<string, Handler> = {
  challenge(_pbx, s, a) {
    if ((a.get("AuthType") ?? "").toLowerCase() !== "md5") return error(s, a, "Must specify AuthType");
    s.challenge ??= String(randomInt(100000000, 999999999));
    reply(s, a, "Success", [["Challenge", s.challenge]]);
  },

  async login(pbx, s, a) {
    if (s.loggedIn) return success(s, a, "Already authenticated");
    const user = pbx.users.find((u) => u.username === a.get("Username"));
    let ok = user !== undefined && !pbx.refuseLogins;
    if (ok && user) {
      if ((a.get("AuthType") ?? "").toLowerCase() === "md5") {
        const expected = createHash("md5").update(`${s.challenge ?? ""}${user.secret}`).digest("hex");
        ok = s.challenge !== undefined && (a.get("Key") ?? "").toLowerCase() === expected;
      } else ok = a.get("Secret") === user.secret;
    }
    if (!ok || !user) {
      // Asterisk answers a failed login after about a second and then hangs up (capture `login-bad-secret`).
      await pbx.sleepReal(pbx.authFailDelayMs);
      error(s, a, "Authentication failed");
      s.end();
      return;
    }
    s.logIn(user, a.get("Events"));
    s.userFilters = (user.eventFilters ?? []).map((f) => legacyFilter(f)).filter((f): f is NonNullable<typeof f> => f !== undefined);
    success(s, a, "Authentication accepted");
    // FullyBooted goes to this session only, past any filter (manager.c action_login).
    if (s.read.has("system") && s.eventMask.has("system")) {
      const up = String(pbx.uptimeSeconds);
      s.send([["Event", "FullyBooted"], ["Privilege", "system,all"], ["Uptime", up], ["LastReload", up], ["Status", "Fully Booted"]]);
    }
    const tv = pbx.eventTime();
    pbx.broadcast(
      PbxEvent.of("SuccessfulAuth", "security", [
        ["EventTV", tv], ["Severity", "Informational"], ["Service", "AMI"], ["EventVersion", "1"], ["AccountID", user.username],
        ["SessionID", s.sessionId], ["LocalAddress", s.localAddress], ["RemoteAddress", s.remoteAddress], ["UsingPassword", "0"],
        ["SessionTV", tv],
      ]),
    );
  },

  logoff(_pbx, s, a) {
    reply(s, a, "Goodbye", [["Message", "Thanks for all the fish."]]);
    s.end();
  },

  ping(_pbx, s, a) {
    const now = Date.now();
    reply(s, a, "Success", [["Ping", "Pong"], ["Timestamp", `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, "0")}`]]);
  },

  events(_pbx, s, a) {
    s.setEventMask(a.get("EventMask") ?? "off");
    reply(s, a, "Success", [["Events", s.eventMask.size > 0 ? "On" : "Off"]]);
  },

  filter(_pbx, s, a) {
    if ((a.get("Operation") ?? "Add").toLowerCase() !== "add") return error(s, a, "Unknown operation");
    const criteria = a.get("MatchCriteria");
    const spec = a.get("Filter");
    const f = criteria !== undefined ? advancedFilter(criteria, spec) : spec !== undefined ? legacyFilter(spec) : undefined;
    if (!f) return error(s, a, "Filter did not compile.  Check the syntax of the filter given.");
    s.filters.push(f);
    success(s, a, "Success");
  },

  listcommands(_pbx, s, a) {
    reply(s, a, "Success", MANAGER_ACTIONS.map(([n, synopsis, priv]) => [n, `${synopsis}  (Priv: ${priv})`] as [string, string]));
  },
};
