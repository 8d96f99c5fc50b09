/**
 * The small part of Asterisk's dialplan expression language (`$[...]`, ast_expr2) and of
 * ExecIf's argument syntax that the lab's dialplan uses: `|`, `&`, comparisons, parentheses,
 * quoted and bare operands.
 */

type Token = { op: string } | { value: string };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(!=|<=|>=|=|<|>|\||&|\(|\))|"([^"]*)"|([^\s|&!=<>()"]+))/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr)) !== null) {
    if (m[1] !== undefined) out.push({ op: m[1] });
    else out.push({ value: m[2] ?? m[3] ?? "" });
    if (re.lastIndex >= expr.length) break;
  }
  return out;
}

/** Asterisk's truth: anything but empty and 0. */
export function isTrue(value: string): boolean {
  const v = value.trim();
  return v !== "" && !(/^-?\d+(\.\d+)?$/.test(v) && Number(v) === 0);
}

/** Evaluates `a = b | c != d` ...; comparisons give 1 or 0, numerically when both sides are numbers. */
export function evaluateExpression(expr: string): string {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = (): string | undefined => {
    const t = tokens[i];
    return t && "op" in t ? t.op : undefined;
  };
  const primary = (): string => {
    const t = tokens[i++];
    if (!t) return "";
    if ("value" in t) return t.value;
    if (t.op === "(") {
      const v = or();
      if (peek() === ")") i++;
      return v;
    }
    return "";
  };
  const comparison = (): string => {
    let left = primary();
    for (let op = peek(); op && ["=", "!=", "<", ">", "<=", ">="].includes(op); op = peek()) {
      i++;
      const right = primary();
      const numeric = left !== "" && right !== "" && !isNaN(Number(left)) && !isNaN(Number(right));
      const c = numeric ? Number(left) - Number(right) : left < right ? -1 : left > right ? 1 : 0;
      const holds = op === "=" ? c === 0 : op === "!=" ? c !== 0 : op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
      left = holds ? "1" : "0";
    }
    return left;
  };
  const and = (): string => {
    let left = comparison();
    while (peek() === "&") {
      i++;
      const right = comparison();
      left = isTrue(left) && isTrue(right) ? left : "0";
    }
    return left;
  };
  const or = (): string => {
    let left = and();
    while (peek() === "|") {
      i++;
      const right = and();
      left = isTrue(left) ? left : right;
    }
    return left;
  };
  return or();
}

/**
 * `Busy(2):Wait(1)` → the application calls of ExecIf's true and false branches (a `:` inside
 * parentheses belongs to the arguments).
 */
export function splitAppCall(text: string): Array<{ app: string; data: string } | undefined> {
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === ":" && depth === 0) {
      cut = i;
      break;
    }
  }
  const parts = cut < 0 ? [text] : [text.slice(0, cut), text.slice(cut + 1)];
  return parts.map((p) => {
    const m = /^\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$/.exec(p);
    return m ? { app: m[1], data: m[2] ?? "" } : undefined;
  });
}
