// The JWT verifier docs/rotation.md shows is the one tested: this file takes the ```js block after
// `<!-- code:jwt-verifier -->`, writes it as an ES module next to the project's node_modules (so `jose` resolves as in
// an application), and runs it in a plain Node process against values the rotation function made, for each algorithm
// and across a rotation: tokens signed with `current` verify, and so do tokens signed with the old `current` (now
// `previous`) and, after the rotation, with the old `next`. It also shows why the page does not use jose's
// createLocalJWKSet for HS256.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { handler as jwtHandler } from "../lambda/jwt";
import { KeyEntry, jwksOf, signJwt } from "../lambda/jwt/keys";
import { AWSCURRENT } from "./helpers/fake-secrets-manager";
import { RotationHarness } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

const ROOT = path.join(__dirname, "..");
const DOC = path.join(ROOT, "docs", "rotation.md");
const MODULE = path.join(ROOT, "dist", "doc-jwt-verifier.mjs");

function documentedCode(name: string): string {
  const match = new RegExp(`<!-- code:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(fs.readFileSync(DOC, "utf8"));
  if (!match) throw new Error(`docs/rotation.md has no js block "${name}"`);
  return match[1];
}

/** Runs `script` (an ES module body) in a plain Node process from dist/, with `input` as JSON on stdin; returns its JSON output. */
function runNode(script: string, input: unknown): unknown {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: path.dirname(MODULE),
    input: JSON.stringify(input),
    encoding: "utf8",
  });
  return JSON.parse(out);
}

/** Verifies each token with the documented verifier built from `value`; returns the subject or the error per token. */
function verifyWithDoc(value: unknown, tokens: string[]): string[] {
  const script = `
    import { verifierFor } from ${JSON.stringify(MODULE)};
    let text = "";
    for await (const chunk of process.stdin) text += chunk;
    const { value, tokens } = JSON.parse(text);
    const verify = verifierFor(value);
    const out = [];
    for (const t of tokens) {
      try { out.push("ok:" + (await verify(t)).sub); } catch (e) { out.push("error:" + e.message); }
    }
    console.log(JSON.stringify(out));`;
  return runNode(script, { value, tokens }) as string[];
}

const env = setupRotationEnv();
const h = new RotationHarness(env.fake, jwtHandler);
afterEach(() => env.thrown.push(...h.thrownMessages.splice(0)));
afterAll(() => {
  fs.rmSync(MODULE, { force: true });
  expectNoSecretInLogs(env);
});

beforeAll(() => {
  fs.mkdirSync(path.dirname(MODULE), { recursive: true });
  fs.writeFileSync(MODULE, documentedCode("jwt-verifier"));
});

type JwtValue = Record<string, unknown> & { current: KeyEntry; next: KeyEntry; previous?: KeyEntry };

it.each(["HS256", "RS256", "ES256"] as const)("%s: the documented verifier accepts current, previous and next keys across a rotation, and refuses others", async (alg) => {
  const arn = env.fake.createSecret(`dev/app/jwt-doc-${alg}`, { tags: { "secrets-platform:jwt-algorithm": alg } });
  await h.rotate(arn);
  const before = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
  const byCurrent = await signJwt(before.current, { sub: "current" });
  const byNext = await signJwt(before.next, { sub: "next" });
  expect(verifyWithDoc(before, [byCurrent, byNext])).toEqual(["ok:current", "ok:next"]);
  await h.rotate(arn);
  const after = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
  // After the rotation the old current is `previous`, the old next signs: both verify from the new value.
  expect(after.previous?.kid).toBe(before.current.kid);
  expect(after.current.kid).toBe(before.next.kid);
  expect(verifyWithDoc(after, [byCurrent, byNext])).toEqual(["ok:current", "ok:next"]);
  // A key the value does not hold, and a token whose header names another alg for a known kid, are refused.
  const stranger = await signJwt({ ...before.current, kid: "not-a-kid-of-this-value" }, { sub: "stranger" });
  const [forgedAlg] = [await signJwt({ kid: after.current.kid, algorithm: "HS256", secret_key: "guessable" }, { sub: "forged" })];
  const results = verifyWithDoc(after, [stranger, forgedAlg]);
  expect(results[0]).toMatch(/^error:/);
  expect(results[1]).toMatch(alg === "HS256" ? /^error:.*signature/i : /^error:no key for this kid and alg/);
});

it("jose's createLocalJWKSet does not verify HS256 tokens from an `oct` JWK set, which is why the page looks keys up by kid", async () => {
  const arn = env.fake.createSecret("dev/app/jwt-doc-jwks", { tags: { "secrets-platform:jwt-algorithm": "HS256" } });
  await h.rotate(arn);
  const value = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
  const token = await signJwt(value.current, { sub: "current" });
  const script = `
    import { createLocalJWKSet, jwtVerify } from "jose";
    let text = "";
    for await (const chunk of process.stdin) text += chunk;
    const { jwks, token } = JSON.parse(text);
    try { await jwtVerify(token, createLocalJWKSet(jwks)); console.log(JSON.stringify("verified")); }
    catch (e) { console.log(JSON.stringify(e.code ?? e.message)); }`;
  expect(runNode(script, { jwks: await jwksOf(value), token })).toBe("ERR_JOSE_NOT_SUPPORTED");
});
