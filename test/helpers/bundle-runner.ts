// Runs a built rotation zip the way Lambda does: its index.js alone in a directory outside the
// repository (so nothing can be resolved from node_modules), loaded by a separate Node process,
// the handler invoked once per event. The process's stdout (the function's logs) is collected.
import { ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readZip } from "../../scripts/build-lambdas";

const RUNNER = `
const bundle = require(process.argv[2]);
process.on("message", async ({ id, event }) => {
  try {
    await bundle.handler(event, {});
    process.send({ id, ok: true });
  } catch (err) {
    process.send({ id, ok: false, name: err && err.name, code: err && err.code, message: String(err && err.message) });
  }
});
process.send({ ready: true, handlerType: typeof bundle.handler });
`;

export class BundledFunction {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private child?: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<number, (reply: { ok: boolean; name?: string; code?: string; message?: string }) => void>();
  readonly dir: string;

  constructor(zipPath: string, private readonly env: NodeJS.ProcessEnv = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotation-bundle-"));
    const files = readZip(fs.readFileSync(zipPath));
    for (const [name, data] of files) fs.writeFileSync(path.join(this.dir, name), data);
    fs.writeFileSync(path.join(this.dir, "runner.js"), RUNNER);
  }

  async start(): Promise<string> {
    const child = fork(path.join(this.dir, "runner.js"), [path.join(this.dir, "index.js")], {
      cwd: this.dir,
      env: { ...process.env, ...this.env, NODE_PATH: "" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child = child;
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      this.stdout.push(...lines.filter((l) => l.length > 0));
    });
    child.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString("utf8")));
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`bundle runner exited (${code}): ${this.stderr.join("")}`)));
      child.on("message", (m: { ready?: boolean; handlerType?: string; id?: number; ok?: boolean }) => {
        if (m.ready) resolve(m.handlerType!);
        else if (m.id !== undefined) {
          this.waiting.get(m.id)?.(m as { ok: boolean });
          this.waiting.delete(m.id);
        }
      });
    });
  }

  /** A handler with the signature the harness expects; errors come back as Error objects. */
  handler = async (event: unknown): Promise<void> => {
    if (!this.child) throw new Error("not started");
    const id = this.next++;
    const reply = await new Promise<{ ok: boolean; name?: string; code?: string; message?: string }>((resolve) => {
      this.waiting.set(id, resolve);
      this.child!.send({ id, event });
    });
    if (!reply.ok) throw Object.assign(new Error(reply.message), { name: reply.name, code: reply.code });
  };

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      child.removeAllListeners("exit");
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill();
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
