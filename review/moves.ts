// Resources that leave one stack of an environment and arrive in another (an application moved to another
// stack group). Terraform would plan each as a delete in the old stack and a create in the new one: a secret
// destroyed and made anew, its value and versions lost. cdktf 0.21's moved blocks (moveTo, moveFromId) work
// inside one stack only, since every stack has its own state, so the review prints the `terraform state mv`
// that carries them over before the deploy; each plan then shows no change for them.
import type { StackJson } from "../readers/synthesized";

export interface StackMove {
  /** The Terraform address, the same in both stacks (construct ids do not change with the stack). */
  readonly address: string;
  readonly from: string;
  readonly to: string;
}

export interface MoveGuidance {
  readonly from: string;
  readonly to: string;
  readonly addresses: readonly string[];
  /** Commands to run, in order, before deploying either stack. */
  readonly commands: readonly string[];
}

const addressesOf = (json: StackJson | undefined): Set<string> =>
  new Set(Object.entries(json?.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName ?? {}).map((name) => `${type}.${name}`)));

/** Every resource that is in `from` only before and in `to` only after, both stacks of the same environment. */
export function stackMoves(previous: Readonly<Record<string, StackJson>>, next: Readonly<Record<string, StackJson>>): StackMove[] {
  const before = new Map(Object.entries(previous).map(([name, json]) => [name, addressesOf(json)]));
  const after = new Map(Object.entries(next).map(([name, json]) => [name, addressesOf(json)]));
  const arrived = new Map<string, string>();
  for (const [stack, addresses] of after) {
    for (const a of addresses) if (!before.get(stack)?.has(a)) arrived.set(a, stack);
  }
  const moves: StackMove[] = [];
  for (const [stack, addresses] of before) {
    for (const a of addresses) {
      const to = arrived.get(a);
      if (to && to !== stack && !after.get(stack)?.has(a)) moves.push({ address: a, from: stack, to });
    }
  }
  return moves.sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to) || x.address.localeCompare(y.address));
}

/** A local backend's state file, from a stack's JSON; undefined for remote state. */
function localStatePath(json: StackJson | undefined): string | undefined {
  const backend = (json?.terraform as { backend?: { local?: { path?: string } } } | undefined)?.backend;
  if (!backend) return undefined;
  return backend.local ? (backend.local.path ?? "terraform.tfstate") : undefined;
}

/** The commands that move the state of each group of moves, per pair of stacks. */
export function moveGuidance(moves: readonly StackMove[], next: Readonly<Record<string, StackJson>>): MoveGuidance[] {
  const pairs = new Map<string, StackMove[]>();
  for (const m of moves) pairs.set(`${m.from}\0${m.to}`, [...(pairs.get(`${m.from}\0${m.to}`) ?? []), m]);
  return [...pairs.values()].map((group) => {
    const { from, to } = group[0];
    const addresses = group.map((m) => m.address);
    const fromState = localStatePath(next[from]);
    const toState = localStatePath(next[to]);
    // `state mv -state -state-out` moves between two local state files; remote state is pulled, moved and pushed.
    const commands =
      fromState && toState
        ? addresses.map((a) => `terraform state mv -state=${fromState} -state-out=${toState} ${a} ${a}`)
        : [
            `terraform -chdir=cdktf.out/stacks/${from} state pull > ${from}.tfstate`,
            `terraform -chdir=cdktf.out/stacks/${to} state pull > ${to}.tfstate`,
            ...addresses.map((a) => `terraform state mv -state=${from}.tfstate -state-out=${to}.tfstate ${a} ${a}`),
            `terraform -chdir=cdktf.out/stacks/${to} state push $PWD/${to}.tfstate`,
            `terraform -chdir=cdktf.out/stacks/${from} state push $PWD/${from}.tfstate`,
          ];
    return { from, to, addresses, commands };
  });
}
