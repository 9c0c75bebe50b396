// Vault login for CI jobs with their OIDC tokens: a JWT auth method that trusts GitHub's issuer, and roles bound to
// exactly one token subject plus the repository (and environment) claims, each with its own policy.
import { Construct } from "constructs";
import { JwtAuthBackend } from "@cdktf/provider-vault/lib/jwt-auth-backend";
import { JwtAuthBackendRole } from "@cdktf/provider-vault/lib/jwt-auth-backend-role";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { PolicyDocument, PolicyRule } from "./policy-document";

export interface CiJwtAuthProps {
  /** Auth mount path, e.g. github-actions. */
  readonly path: string;
  /** The CI's OIDC issuer, e.g. https://token.actions.githubusercontent.com. */
  readonly issuer: string;
  /** @default - the provider's namespace */
  readonly namespace?: string;
}

export interface CiJwtRoleOptions {
  readonly roleName: string;
  /**
   * The token subject accepted (bound_subject), e.g. repo:acme/platform:environment:prod; with several, any one of
   * them, bound through bound_claims.sub instead, since bound_subject takes one value.
   */
  readonly subject: string | readonly string[];
  /** Claims that must equal these values exactly, e.g. { repository: "acme/platform", environment: "prod" }. */
  readonly claims: Readonly<Record<string, string>>;
  /** The audience the job requests its token for. */
  readonly audience: string;
  /** The rules of the role's own policy. */
  readonly rules: readonly PolicyRule[];
  readonly comment: string;
  /** @default 3600 - one job's length */
  readonly tokenTtlSeconds?: number;
}

export class CiJwtAuth extends Construct {
  readonly backend: JwtAuthBackend;
  readonly path: string;
  readonly roles: JwtAuthBackendRole[] = [];
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: CiJwtAuthProps) {
    super(scope, id);
    this.path = props.path;
    this.namespace = props.namespace;
    // Keys come from the issuer's discovery document; bound_issuer makes Vault also compare the iss claim
    // (https://developer.hashicorp.com/vault/docs/auth/jwt, "Configuration": oidc_discovery_url, bound_issuer).
    this.backend = new JwtAuthBackend(this, "backend", {
      path: props.path,
      type: "jwt",
      oidcDiscoveryUrl: props.issuer,
      boundIssuer: props.issuer,
      description: `CI jobs log in with their OIDC tokens from ${props.issuer}`,
      namespace: props.namespace,
    });
  }

  addRole(id: string, options: CiJwtRoleOptions): JwtAuthBackendRole {
    const subjects = typeof options.subject === "string" ? [options.subject] : [...options.subject];
    const values = [...subjects, ...Object.values(options.claims)];
    if (values.some((v) => /[*?]/.test(v) || v === "")) {
      throw new Error(`${this.node.path}/${id}: role ${options.roleName} binds ${JSON.stringify(values)}; bind exact values, without wildcards`);
    }
    // Administration paths are the point of a deployer policy, so sys/ and auth/ are allowed here; wildcards are not.
    const doc = new PolicyDocument({ forbiddenPrefixes: [], forbiddenCapabilities: [] });
    options.rules.forEach((r) => doc.addRule(r));
    const policy = new Policy(this, `${id}-policy`, {
      name: options.roleName,
      namespace: this.namespace,
      policy: doc.render(options.comment),
    });
    const role = new JwtAuthBackendRole(this, id, {
      backend: this.backend.path,
      namespace: this.namespace,
      roleName: options.roleName,
      roleType: "jwt",
      // Exact matches only: "string" compares claims literally, where "glob" would let * match any repository.
      boundClaimsType: "string",
      // Several subjects: the provider splits a bound_claims value on commas into a list (terraform-provider-vault
      // v5.6.0, resource_jwt_auth_backend_role.go, unless disable_bound_claims_parsing, left off here; its docs: "one
      // value or multiple comma-separated values"), and Vault accepts a token whose claim equals any one of the list
      // (vault-plugin-auth-jwt claims.go, validateBoundClaims/matchFound: "does not match any associated bound claim
      // values" otherwise). GitHub's subjects hold no comma.
      ...(subjects.length === 1 ? { boundSubject: subjects[0] } : {}),
      boundClaims: { ...options.claims, ...(subjects.length > 1 ? { sub: subjects.join(",") } : {}) },
      boundAudiences: [options.audience],
      userClaim: "sub",
      tokenPolicies: [policy.name],
      tokenTtl: options.tokenTtlSeconds ?? 3600,
      tokenMaxTtl: options.tokenTtlSeconds ?? 3600,
      tokenType: "default",
    });
    this.roles.push(role);
    return role;
  }
}
