// Random passwords with Secrets Manager's GetRandomPassword rules, from node:crypto: the Lambda asks Secrets Manager
// with RequireEachIncludedType=true and IncludeSpace=false, so a password drawn here has the same alphabet (letters,
// digits, ASCII punctuation, minus the excluded characters) and at least one character of each class that remains.
import { randomInt } from "node:crypto";
import { RotationError } from "../shared/errors";
import { registerSecret } from "../shared/log";
import type { PasswordOptions } from "../shared/store";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";
/** The punctuation GetRandomPassword draws from (every printable ASCII character that is not a letter, digit or space). */
const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

export function randomPasswordSync(options: PasswordOptions): string {
  const excluded = new Set(options.excludeCharacters);
  const classes = [LOWER, UPPER, DIGITS, PUNCTUATION].map((c) => [...c].filter((ch) => !excluded.has(ch)).join("")).filter((c) => c.length > 0);
  if (classes.length === 0) throw new RotationError("Every character is excluded; no password can be made.", "NO_PASSWORD");
  if (options.length < classes.length) throw new RotationError(`A password of ${options.length} characters cannot hold one of each of ${classes.length} classes.`, "NO_PASSWORD");
  const all = classes.join("");
  // One of each class, the rest from all of them, then a Fisher-Yates shuffle so the classes' places are random too.
  const chars = classes.map((c) => c[randomInt(c.length)]);
  while (chars.length < options.length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  const password = chars.join("");
  registerSecret(password);
  return password;
}
