// Secrets Manager's cron() rotation schedules, checked field by field so that a mistake is named by its field before
// AWS refuses the apply. The grammar is EventBridge's six-field cron (https://docs.aws.amazon.com/eventbridge/latest/
// userguide/eb-scheduled-rule-pattern.html#eb-cron-expressions: minutes, hours, day-of-month, month, day-of-week,
// year; the ? rule; L, W and #), narrowed by Secrets Manager's own table ("Rotation schedules", Cron expressions,
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html): minutes must be 0 since
// rotation windows open on the hour; year must be * since schedules more than a year apart are not supported;
// day-of-month takes , - * ? / L (not W); and a secret rotates at most every four hours.

/** Secrets Manager's shortest rotation interval. */
export const MIN_ROTATION_HOURS = 4;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names standing for min, min + 1, ... (JAN-DEC, SUN-SAT). */
  readonly names?: readonly string[];
  /** How to say the range in a message. */
  readonly range: string;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minutes", min: 0, max: 59, range: "0" },
  { name: "hours", min: 0, max: 23, range: "0-23" },
  { name: "day-of-month", min: 1, max: 31, range: "1-31" },
  { name: "month", min: 1, max: 12, names: MONTHS, range: "1-12 or JAN-DEC" },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, range: "1-7 or SUN-SAT" },
  { name: "year", min: 1970, max: 2199, range: "*" },
];

class FieldProblem extends Error {}

/** A single value of a field: a number within its range or one of its names. */
function value(field: FieldSpec, text: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) throw new FieldProblem(`"${text}" is not a value: use ${field.range}`);
  const n = Number(text);
  if (n < field.min || n > field.max) throw new FieldProblem(`${n} is out of range: use ${field.range}`);
  return n;
}

/**
 * The values one comma-separated item of a field stands for, or undefined where it stands for no fixed set
 * (?, L, nL, n#k). Throws FieldProblem with what to change.
 */
function item(field: FieldSpec, text: string): number[] | undefined {
  const all = () => Array.from({ length: field.max - field.min + 1 }, (_, i) => field.min + i);
  if (text === "*") return all();
  if (text === "?") {
    if (field.name !== "day-of-month" && field.name !== "day-of-week") throw new FieldProblem("? is allowed only in day-of-month and day-of-week");
    return undefined;
  }
  if (/W/i.test(text) && field.name === "day-of-month") {
    throw new FieldProblem(`"${text}": Secrets Manager's day-of-month takes , - * ? / L but not W (the nearest weekday); use a day number or L`);
  }
  if (/L/i.test(text) && (field.name === "day-of-month" || field.name === "day-of-week")) {
    // L alone: the last day of the month or week; <day>L in day-of-week: the last such weekday of the month.
    if (text.toUpperCase() === "L") return undefined;
    const m = /^(.+)L$/i.exec(text);
    if (field.name === "day-of-week" && m) {
      value(field, m[1]);
      return undefined;
    }
    throw new FieldProblem(`"${text}": L stands alone (the last day)${field.name === "day-of-week" ? " or follows a day (5L, the last Thursday)" : ""}`);
  }
  if (text.includes("#")) {
    if (field.name !== "day-of-week") throw new FieldProblem(`"${text}": # (the nth weekday of the month) is allowed only in day-of-week`);
    const [day, nth] = text.split("#");
    value(field, day);
    if (!/^[1-5]$/.test(nth ?? "")) throw new FieldProblem(`"${text}": the week after # is 1 to 5 (e.g. MON#1, the first Monday)`);
    return undefined;
  }
  if (text.includes("/")) {
    const [start, step] = text.split("/");
    const from = start === "*" ? field.min : value(field, start);
    if (!/^\d+$/.test(step ?? "") || Number(step) < 1) throw new FieldProblem(`"${text}": the increment after / is a whole number of at least 1`);
    const out: number[] = [];
    for (let v = from; v <= field.max; v += Number(step)) out.push(v);
    return out;
  }
  if (text.includes("-")) {
    const [a, b, ...rest] = text.split("-");
    if (rest.length > 0 || a === "" || b === "") throw new FieldProblem(`"${text}" is not a range: use <first>-<last>, e.g. ${field.names ? `${field.names[1]}-${field.names[5] ?? field.names[2]}` : `${field.min}-${field.min + 2}`}`);
    const from = value(field, a);
    const to = value(field, b);
    if (from > to) throw new FieldProblem(`"${text}" runs backwards: put the first value first`);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  return [value(field, text)];
}

/** The values a whole field stands for (undefined: no fixed set), or throws FieldProblem. */
function parseField(field: FieldSpec, text: string): number[] | undefined {
  const items = text.split(",");
  if (items.some((i) => i === "")) throw new FieldProblem(`"${text}" has an empty item between commas`);
  if (items.length > 1 && items.some((i) => i === "?" || i === "*")) throw new FieldProblem(`"${text}": ${items.includes("?") ? "?" : "*"} stands alone in a field`);
  const sets = items.map((i) => item(field, i));
  return sets.some((s) => s === undefined) ? undefined : [...new Set(sets.flat() as number[])].sort((a, b) => a - b);
}

const ORDINAL = ["1st", "2nd", "3rd", "4th", "5th", "6th"];

/**
 * Why the body of a cron(...) schedule (the six fields) is not one Secrets Manager accepts, naming the field and what to
 * change; undefined when it is.
 */
export function cronProblem(body: string): string | undefined {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) return `a cron() schedule has six fields: minutes hours day-of-month month day-of-week year (found ${parts.length})`;
  const at = (i: number) => `the ${FIELDS[i].name} field (${ORDINAL[i]} of cron())`;
  const values: (number[] | undefined)[] = [];
  for (const [i, field] of FIELDS.entries()) {
    try {
      values.push(parseField(field, parts[i]));
    } catch (e) {
      if (e instanceof FieldProblem) return `${at(i)}: ${e.message}`;
      throw e;
    }
  }
  if (parts[0] !== "0") return `${at(0)}: "${parts[0]}" is not 0: Secrets Manager's rotation windows open on the hour, so minutes must be 0`;
  if (parts[5] !== "*") return `${at(5)}: "${parts[5]}" is not *: Secrets Manager does not support schedules more than a year apart, so year must be *`;
  const dom = parts[2] === "?";
  const dow = parts[4] === "?";
  if (dom === dow) {
    return dom
      ? `${at(2)} and ${at(4)} are both ?: give one of them a value (or *) and keep ? in the other`
      : `${at(2)} ("${parts[2]}") and ${at(4)} ("${parts[4]}") both have a value: one of them must be ? (e.g. cron(0 4 ? * SUN *) or cron(0 4 1 * ? *))`;
  }
  const hours = values[1]!;
  const gaps = hours.slice(1).map((h, i) => h - hours[i]);
  // Every day of every month: the last hour of one day and the first of the next are a gap as well.
  const everyDay = parts[3] === "*" && ((parts[2] === "*" && dow) || (parts[4] === "*" && dom));
  if (everyDay && hours.length > 1) gaps.push(24 - hours[hours.length - 1] + hours[0]);
  if (gaps.some((g) => g < MIN_ROTATION_HOURS)) {
    return `${at(1)}: "${parts[1]}" rotates at ${hours.map((h) => `${h}:00`).join(", ")}${everyDay ? " every day" : ""}: Secrets Manager rotates a secret at most every ${MIN_ROTATION_HOURS} hours; keep hours at least ${MIN_ROTATION_HOURS} apart (e.g. 0/${MIN_ROTATION_HOURS}) or use one hour`;
  }
  return undefined;
}
