import { CatalogError, ParamValues, Translate, catalogText, fill } from "./catalog-error";

/**
 * A message the "ami action" node refuses before anything is sent (a payload it cannot read, no
 * action, a field it cannot evaluate): Catch nodes get it with the code ERR_AMI_INVALID_INPUT.
 * Each one's English text by its catalog key; the node's catalog
 * (nodes/locales/<lang>/asterisk-ami-action.json) has the same under `asterisk-ami-action.errors.<key>`.
 * Values are shown quoted as JSON; `kind` is a value's kind as describeValue names it ("a string").
 */
const HEADERS = 'this node takes an object of AMI headers, such as {"Channel": "PJSIP/6001"}';

export const INPUT_TEXTS = {
  "no-server": "no AMI server configured",
  "payload-string": `msg.payload is __kind__: ${HEADERS}; if it holds JSON text, parse it with a json node first`,
  "payload-bytes": `msg.payload is __kind__: ${HEADERS}; convert it to a string and parse it with a json node first`,
  "payload-array": `msg.payload is __kind__: ${HEADERS}; to send several actions, send one message per action (a split node does that)`,
  "payload-other": `msg.payload is __kind__: ${HEADERS}; to send only the node's own fields, set its msg.payload option to "ignored"`,
  "action-missing": "this node takes the action from msg.payload.Action, which is missing",
  "action-not-text": "this node takes the action from msg.payload.Action, which is __kind__, not a string",
  "action-no-payload": "this node takes the action from msg.payload.Action, which is missing: msg.payload is __kind__",
  "no-action": "no action is configured in the node",
  "action-differs": "msg.payload.Action __given__ differs from this node's action __action__; set the node to take the action from the message to allow that",
  "bad-field": "field __field__: cannot evaluate __type__ __value__: __reason__",
} as const;

export type InputErrorKey = keyof typeof INPUT_TEXTS;

export class InputError<K extends InputErrorKey = InputErrorKey> extends CatalogError {
  readonly code = "ERR_AMI_INVALID_INPUT";
  declare readonly key: K;

  /** `message`: the text when it is already in the user's language (see `shownBy`); English by default. */
  constructor(key: K, params: ParamValues<(typeof INPUT_TEXTS)[K]>, message: string = fill(INPUT_TEXTS[key], params)) {
    super(key, params, message);
    this.name = "InputError";
  }

  /** The same error with the text a node of `type` shows (its catalog's). */
  shownBy(type: string, t: Translate): InputError<K> {
    return new InputError(this.key, this.params, catalogText(this, type, t));
  }
}
