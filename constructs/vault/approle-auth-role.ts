// One AppRole role: a workload outside Kubernetes logs in with role id + secret id and gets its policy.
import { Construct } from "constructs";
import { ApproleAuthBackendRole } from "@cdktf/provider-vault/lib/approle-auth-backend-role";
import type { IVaultPolicy } from "./workload-policy";
import { checkTokenTtls } from "./token-ttl";

export interface AppRoleAuthRoleOptions {
  /** The role name, e.g. dev-billing-worker. */
  readonly roleName: string;
  /** The policy the login token gets. */
  readonly policy: IVaultPolicy;
  /**
   * Lifetime of a secret id, in seconds (0, unlimited, is refused). Short: a secret id is delivered just before
   * the workload logs in with it.
   * @default 600
   */
  readonly secretIdTtlSeconds?: number;
  /**
   * Logins one secret id allows (secret_id_num_uses; Vault's own default, 0, is unlimited and refused here).
   * @default 1 - a secret id logs in once; a copy taken after that is worthless
   */
  readonly secretIdNumUses?: number;
  /**
   * Lifetime of a login token, in seconds.
   * @default 3600
   */
  readonly tokenTtlSeconds?: number;
  /**
   * Longest lifetime of a login token including renewals, in seconds.
   * @default 14400
   */
  readonly tokenMaxTtlSeconds?: number;
  /**
   * Source networks allowed to log in with a secret id (secret_id_bound_cidrs) and to use the tokens it yields
   * (token_bound_cidrs).
   * @default - any source address
   */
  readonly boundCidrs?: readonly string[];
  /**
   * Vault Enterprise namespace.
   * @default - the auth mount's namespace
   */
  readonly namespace?: string;
}

export interface AppRoleAuthRoleProps extends AppRoleAuthRoleOptions {
  /** The auth mount path. */
  readonly backend: string;
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

export class AppRoleAuthRole extends Construct {
  readonly roleName: string;
  readonly resource: ApproleAuthBackendRole;

  constructor(scope: Construct, id: string, props: AppRoleAuthRoleProps) {
    super(scope, id);
    const what = `AppRole role ${props.roleName}`;
    const ttl = props.tokenTtlSeconds ?? 3600;
    const maxTtl = props.tokenMaxTtlSeconds ?? 14_400;
    checkTokenTtls(what, ttl, maxTtl);
    const secretIdTtl = props.secretIdTtlSeconds ?? 600;
    const secretIdNumUses = props.secretIdNumUses ?? 1;
    if (!Number.isInteger(secretIdNumUses) || secretIdNumUses < 1) {
      throw new Error(`${what}: secretIdNumUses must be a whole number, at least 1 (Vault reads 0 as unlimited uses), got ${secretIdNumUses}`);
    }
    if (!Number.isInteger(secretIdTtl) || secretIdTtl < 60) {
      throw new Error(`${what}: secretIdTtlSeconds must be a whole number of seconds, at least 60 (0 would never expire), got ${secretIdTtl}`);
    }
    const cidrs = props.boundCidrs ?? [];
    const bad = cidrs.find((c) => !CIDR.test(c));
    if (bad !== undefined) throw new Error(`${what}: bound CIDR "${bad}" must be an IPv4 CIDR such as 10.0.0.0/16`);
    this.roleName = props.roleName;
    this.resource = new ApproleAuthBackendRole(this, "role", {
      backend: props.backend,
      roleName: props.roleName,
      bindSecretId: true,
      secretIdTtl,
      secretIdNumUses,
      tokenTtl: ttl,
      tokenMaxTtl: maxTtl,
      tokenPolicies: [props.policy.policyNameRef],
      secretIdBoundCidrs: cidrs.length > 0 ? [...cidrs] : undefined,
      tokenBoundCidrs: cidrs.length > 0 ? [...cidrs] : undefined,
      namespace: props.namespace,
    });
  }
}
