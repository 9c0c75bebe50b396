// Per-secret settings: a tag on the secret wins, then a field of the current value, then a default.
// The tag names are in contracts/tags.ts, which the AWS stack writes them from.
import { RotationError } from "./errors";

interface Source {
  readonly what: string;
  readonly value: unknown;
}

function sources(tags: Readonly<Record<string, string>>, tag: string, current: Record<string, unknown> | undefined, field: string): Source[] {
  const out: Source[] = [];
  if (tags[tag] !== undefined) out.push({ what: `tag ${tag}`, value: tags[tag] });
  if (current && current[field] !== undefined) out.push({ what: `field ${field} of the current value`, value: current[field] });
  return out;
}

export function settingChoice<T extends string>(
  tags: Readonly<Record<string, string>>,
  tag: string,
  current: Record<string, unknown> | undefined,
  field: string,
  choices: readonly T[],
  fallback: T,
): T {
  const [first] = sources(tags, tag, current, field);
  if (!first) return fallback;
  const v = typeof first.value === "string" ? first.value.trim() : first.value;
  if (typeof v === "string" && (choices as readonly string[]).includes(v)) return v as T;
  throw new RotationError(`Invalid ${first.what}: expected one of ${choices.join(", ")}.`, "BAD_SETTING");
}

export function settingInteger(
  tags: Readonly<Record<string, string>>,
  tag: string,
  current: Record<string, unknown> | undefined,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const [first] = sources(tags, tag, current, field);
  if (!first) return fallback;
  const v = typeof first.value === "string" && /^\s*\d+\s*$/.test(first.value) ? Number(first.value) : first.value;
  if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) return v;
  throw new RotationError(`Invalid ${first.what}: expected a whole number from ${min} to ${max}.`, "BAD_SETTING");
}
