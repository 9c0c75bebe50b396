// Proof that the two roles of an alternating pair belong to this secret, before the master acts on
// either. The value is written by whoever may put a value into this one secret; the master can
// act on any role. So the function acts only on:
// - the AWSCURRENT user, once it has logged in with the AWSCURRENT password (its writer holds it);
// - the clone, when this function created it for this secret: created in one transaction with a
//   role COMMENT naming the secret's ARN, which only a role with CREATEROLE can set;
// - a clone that a master or superuser made a member of the base user, as AWS's own multi-user
//   function does, when a password from this secret logs in as it (AWSCURRENT, or AWSPREVIOUS
//   after AWS's function rotated twice): its writer holds that login already. Membership alone
//   proves nothing: a DBA may have made `<user>_clone` a member for another team, whose login
//   (and own grants) a reset would hand to this secret's writer;
// - the base user, when the clone is a member of it granted by the master or a superuser.
// Neither may have SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS, nor reach (through memberships)
// a role that has them, the master, or a reserved role: a second login with those rights, whose
// password sits in an application's secret, is what the confused deputy would hand out.
import { Client } from "pg";
import { RotationError } from "../shared/errors";
import { Pair, isReservedRole } from "./names";

export const MARKER_PREFIX = "secrets-platform rotation: clone for secret ";
export const markerFor = (secretArn: string) => MARKER_PREFIX + secretArn;

interface Membership {
  readonly role: string;
  readonly grantor: string | null;
  readonly grantorSuper: boolean;
}

export interface RoleFacts {
  readonly name: string;
  readonly superuser: boolean;
  readonly createrole: boolean;
  readonly createdb: boolean;
  readonly replication: boolean;
  readonly bypassrls: boolean;
  readonly inherit: boolean;
  readonly comment: string | null;
  /** `ALTER ROLE ... SET` entries, global ones as `name=value`, per-database ones prefixed `@db:`. */
  readonly settings: readonly string[];
  readonly memberOf: readonly Membership[];
}

export async function roleFacts(client: Client, name: string): Promise<RoleFacts | undefined> {
  const { rows } = await client.query(
    `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls, r.rolinherit,
            pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment,
            COALESCE((SELECT array_agg(CASE WHEN s.setdatabase = 0 THEN c ELSE '@' || s.setdatabase || ':' || c END)
                        FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = r.oid), '{}') AS settings,
            COALESCE((SELECT json_agg(json_build_object('role', g.rolname, 'grantor', gr.rolname, 'grantorSuper', COALESCE(gr.rolsuper, false)))
                        FROM pg_catalog.pg_auth_members m
                        JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                        LEFT JOIN pg_catalog.pg_roles gr ON gr.oid = m.grantor
                       WHERE m.member = r.oid), '[]') AS member_of
       FROM pg_catalog.pg_roles r WHERE r.rolname = $1`,
    [name],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    name: r.rolname,
    superuser: r.rolsuper,
    createrole: r.rolcreaterole,
    createdb: r.rolcreatedb,
    replication: r.rolreplication,
    bypassrls: r.rolbypassrls,
    inherit: r.rolinherit,
    comment: r.comment,
    settings: r.settings,
    memberOf: r.member_of,
  };
}

function elevated(r: Pick<RoleFacts, "superuser" | "createrole" | "replication" | "bypassrls">): string[] {
  return [
    r.superuser && "SUPERUSER",
    r.createrole && "CREATEROLE",
    r.replication && "REPLICATION",
    r.bypassrls && "BYPASSRLS",
  ].filter((x): x is string => typeof x === "string");
}

/** Roles `name` reaches through memberships (transitively) that an application's user must not. */
async function forbiddenAncestors(client: Client, name: string, master: string): Promise<string[]> {
  const { rows } = await client.query(
    `WITH RECURSIVE up(oid) AS (
        SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles u ON u.oid = m.member WHERE u.rolname = $1
        UNION SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN up ON m.member = up.oid)
     SELECT r.rolname, r.rolsuper AS superuser, r.rolcreaterole AS createrole, r.rolreplication AS replication, r.rolbypassrls AS bypassrls
       FROM up JOIN pg_catalog.pg_roles r ON r.oid = up.oid`,
    [name],
  );
  return rows
    .filter((r) => r.rolname === master || isReservedRole(r.rolname) || elevated(r).length > 0)
    .map((r) => r.rolname as string);
}

export interface PairFacts {
  readonly base: RoleFacts;
  /** Undefined when the clone does not exist yet (this rotation creates it). */
  readonly clone?: RoleFacts;
}

const q = (s: string) => JSON.stringify(s);

/**
 * Refuses (throws) unless both roles of the pair may be acted on for this secret; see the top of
 * this file. `current` is the AWSCURRENT user, which has just logged in.
 */
export async function provePair(
  client: Client,
  pair: Pair,
  current: string,
  master: string,
  secretArn: string,
  /** Whether a password from this secret other than AWSCURRENT's logs in as the clone. */
  cloneLogsIn: () => Promise<boolean>,
): Promise<PairFacts> {
  const refuse = (why: string, code = "NOT_THIS_SECRETS_ROLE") => new RotationError(`Refusing to rotate ${secretArn}: ${why}`, code);
  const base = await roleFacts(client, pair.base);
  const clone = await roleFacts(client, pair.clone);
  if (!base) throw refuse(`the base user ${q(pair.base)} does not exist; the pair is ${q(pair.base)} and ${q(pair.clone)}.`, "BASE_USER_MISSING");
  for (const r of [base, clone]) {
    if (!r) continue;
    const attrs = elevated(r);
    if (r === clone && r.createdb) attrs.push("CREATEDB");
    if (attrs.length) throw refuse(`role ${q(r.name)} has ${attrs.join(", ")}; an application's user must not.`, "PRIVILEGED_ROLE");
    const forbidden = await forbiddenAncestors(client, r.name, master);
    if (forbidden.length) {
      throw refuse(
        `role ${q(r.name)} is a member (directly or through other roles) of ${forbidden.map(q).join(", ")}: the master, a reserved ` +
          `role, or a role with SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS. Revoke that membership; an application's user must not hold it.`,
        "PRIVILEGED_ROLE",
      );
    }
  }
  // Every session of the clone acts as the base user; the base user must act as itself.
  const baseRole = base.settings.filter((s) => /^(@\d+:)?role=/.test(s));
  if (baseRole.length) {
    throw refuse(
      `${q(pair.base)} has a default role (ALTER ROLE ... SET role), so objects it creates would not be the ones its clone can use. ` +
        `Remove it with ALTER ROLE ${q(pair.base)} RESET role (and IN DATABASE ... RESET role for per-database settings).`,
      "BASE_HAS_DEFAULT_ROLE",
    );
  }
  if (!clone) return { base };

  const marked = clone.comment === markerFor(secretArn);
  if (!marked && clone.comment?.startsWith(MARKER_PREFIX)) {
    throw refuse(`${q(pair.clone)} was created for another secret (${clone.comment.slice(MARKER_PREFIX.length)}); two secrets cannot share one pair.`, "CLONE_OF_ANOTHER_SECRET");
  }
  const others = clone.memberOf.filter((m) => m.role !== pair.base).map((m) => m.role);
  if (others.length) {
    throw refuse(`${q(pair.clone)} is a member of ${others.map(q).join(", ")}; a clone may be a member of ${q(pair.base)} only.`, "NOT_THIS_SECRETS_ROLE");
  }
  const membership = clone.memberOf.find((m) => m.role === pair.base);
  const grantedByAuthority = membership !== undefined && (membership.grantorSuper || membership.grantor === master);
  if (!marked && !grantedByAuthority) {
    throw refuse(
      `${q(pair.clone)} exists but was not created by this function for this secret (no marker comment), nor made a member of ` +
        `${q(pair.base)} by the master or a superuser. Drop or rename it, or (if it is this application's clone) run as the master: ` +
        `GRANT ${q(pair.base)} TO ${q(pair.clone)}.`,
    );
  }
  if (!marked && current === pair.base && !(await cloneLogsIn())) {
    throw refuse(
      `${q(pair.clone)} exists and is a member of ${q(pair.base)}, but was not created by this function for this secret and no ` +
        `password in the secret logs in as it: it may be another team's login. If it is this application's clone (made by AWS's ` +
        `rotation function), put its working password as AWSCURRENT (username ${q(pair.clone)}), then rotate; otherwise rename it.`,
    );
  }
  if (current === pair.clone && !grantedByAuthority) {
    throw refuse(
      `the current user ${q(pair.clone)} is not a member of ${q(pair.base)} granted by the master or a superuser, so nothing shows that ` +
        `${q(pair.base)} belongs to this secret. As the master: GRANT ${q(pair.base)} TO ${q(pair.clone)}.`,
    );
  }
  return { base, clone };
}
