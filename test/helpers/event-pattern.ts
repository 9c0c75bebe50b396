// A matcher of the part of EventBridge's event pattern grammar the alert rules use, written from AWS's documented
// semantics (no npm package implements them with a claim to AWS's own rules; see docs/alerts.md):
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
//   - a pattern's keys must all match (AND); a field named by the pattern must be present in the event, except
//     under { exists: false };
//   - a leaf is an array of matchers, any of which may match (OR); a leaf's event value that is an array matches
//     when any of its elements matches;
//   - matchers: exact strings, numbers, null; { prefix }; { "anything-but": value | [values] | { prefix } };
//     { exists: true | false };
//   - { "$or": [pattern, ...] } at any level: at least one alternative matches.
// Anything else (numeric, cidr, wildcard, suffix, equals-ignore-case) throws, so that a pattern using it cannot pass
// a test by this matcher's silence.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!Array.isArray(sub) || sub.length < 2) throw new Error("$or takes an array of at least two patterns");
      if (!sub.some((alt) => matchObject(alt as Record<string, unknown>, value))) return false;
      continue;
    }
    const field = isObject(value) ? value[key] : undefined;
    const present = isObject(value) && key in value;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, present, field)) return false;
    } else if (isObject(sub)) {
      if (!present) {
        // A nested pattern over an absent object matches only if all it asks is absence.
        if (!onlyAbsence(sub)) return false;
        continue;
      }
      const children = Array.isArray(field) ? field : [field];
      if (!children.some((c) => matchObject(sub, c))) return false;
    } else {
      throw new Error(`pattern value at ${key} must be an array or an object, not ${JSON.stringify(sub)}`);
    }
  }
  return true;
}

function onlyAbsence(pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === "$or") return (sub as Record<string, unknown>[]).some(onlyAbsence);
    if (Array.isArray(sub)) return sub.some((m) => isObject(m) && m.exists === false);
    return isObject(sub) && onlyAbsence(sub);
  });
}

function matchLeaf(matchers: unknown[], present: boolean, value: unknown): boolean {
  return matchers.some((m) => {
    if (isObject(m) && "exists" in m) {
      // exists matches leaf values only (an object or an absent field is not a leaf).
      const leafPresent = present && value !== undefined && !isObject(value);
      return m.exists === leafPresent;
    }
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => matchValue(m, v as Json));
  });
}

function matchValue(m: unknown, v: Json): boolean {
  if (m === null || typeof m === "string" || typeof m === "number" || typeof m === "boolean") return m === v;
  if (!isObject(m)) throw new Error(`unsupported matcher ${JSON.stringify(m)}`);
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new Error(`a matcher has one operator: ${JSON.stringify(m)}`);
  if ("prefix" in m) {
    if (typeof m.prefix !== "string") throw new Error("prefix takes a string here");
    return typeof v === "string" && v.startsWith(m.prefix);
  }
  if ("anything-but" in m) {
    const ab = m["anything-but"];
    if (isObject(ab)) {
      if (typeof ab.prefix !== "string" || Object.keys(ab).length !== 1) throw new Error(`unsupported anything-but ${JSON.stringify(ab)}`);
      return typeof v === "string" && !v.startsWith(ab.prefix);
    }
    const excluded = Array.isArray(ab) ? ab : [ab];
    // anything-but applies to strings and numbers; a value of another type does not match
    if (typeof v !== "string" && typeof v !== "number") return false;
    return !excluded.includes(v);
  }
  throw new Error(`operator ${keys[0]} is not implemented by this matcher`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
