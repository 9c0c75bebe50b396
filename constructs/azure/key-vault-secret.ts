// One Key Vault secret: its metadata (content type, tags, expiry) managed by Terraform, its value write-only.
import { Fn, ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { KeyVaultSecret as AzKeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { IAzurePrincipal, KeyVaultRole } from "./principal";
import { grantFor, RoleGrant } from "./role-grant";
import { AZURE_UNSET_VALUE } from "../../contracts/azure-rotation";

/**
 * What Terraform writes as the first version when no value is given. Key Vault has no secret without a value, so
 * something must be written; this says what to do and is no secret. It goes through the write-only argument too.
 */
export const UNSET_SECRET_VALUE = AZURE_UNSET_VALUE;

/** Key Vault object names: 1-127 letters, digits and dashes. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** What the stacks use of a Key Vault secret, created here or existing (./existing-key-vault-secret.ts). */
export interface IKeyVaultSecret {
  readonly secretName: string;
  /** The versionless ARM id: the scope of role assignments on this secret alone. */
  readonly resourceId: string;
  /** https://<vault>.vault.azure.net/secrets/<name> */
  readonly secretUri: string;
  grantRead(grantee: IAzurePrincipal): RoleGrant;
  grantRotate(grantee: IAzurePrincipal): RoleGrant;
}

/** What a secret needs of its vault. */
export interface ISecretStore {
  /** ARM id of the vault. */
  readonly keyVaultId: string;
  /**
   * Resources that must exist before anything uses the vault's data plane or scopes a role below the vault:
   * its private endpoint and DNS, the deployer's data-plane role. Read when a secret is created.
   */
  readonly dataPlaneDependencies: readonly ITerraformDependable[];
}

export interface KeyVaultSecretProps {
  readonly keyVault: ISecretStore;
  /** The secret's name in the vault. */
  readonly name: string;
  /** MIME type of the value, e.g. application/json. @default - none */
  readonly contentType?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
  /**
   * Days from the secret's creation after which Key Vault reports it expired. The date is fixed at the first plan
   * (Terraform's plantimestamp()) and then left alone, so that plans do not churn and a person who renews the value
   * with `az keyvault secret set --expires` keeps the new date.
   * @default - never expires
   */
  readonly expiresAfterDays?: number;
  /**
   * The value, through the write-only argument value_wo: never in the plan, the state or the synthesized JSON.
   * Pass an ephemeral variable's value. Terraform writes it when it creates the secret and again only when
   * valueVersion changes; whatever is given on other runs is not written.
   * @default - UNSET_SECRET_VALUE, for a person to replace with `az keyvault secret set`
   */
  readonly value?: string;
  /**
   * Change it, in the same run that gives the new `value`, to write that value as a new version. A change without
   * a real value would write `value`'s default over the secret.
   * @default 1
   */
  readonly valueVersion?: number;
  /**
   * A rotation function writes this secret's values (and each version's expiry and tags): Terraform creates it with
   * UNSET_SECRET_VALUE, never a value, and leaves expiration_date and tags to the function afterwards. Give the
   * function's event subscription in `dependsOn`, so that the creation event reaches it and it writes the first value.
   * @default false
   */
  readonly rotated?: boolean;
  /** Resources besides the vault's data-plane dependencies that must exist before the secret. @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export class KeyVaultSecret extends Construct implements IKeyVaultSecret {
  readonly secret: AzKeyVaultSecret;
  readonly secretName: string;
  private readonly readiness: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: KeyVaultSecretProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.name) && !SECRET_NAME.test(props.name)) {
      throw new Error(`${this.node.path}: secret name "${props.name}" is invalid; Key Vault allows 1-127 letters, digits and dashes`);
    }
    const days = props.expiresAfterDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
      throw new Error(`${this.node.path}: expiresAfterDays must be a whole number of days, at least 1 (got ${days})`);
    }
    this.secretName = props.name;
    this.readiness = [...props.keyVault.dataPlaneDependencies];
    if (props.rotated && props.value !== undefined) {
      throw new Error(`${this.node.path}: a rotated secret takes no value; its rotation function writes the first one`);
    }
    const value = props.value ?? UNSET_SECRET_VALUE;
    const version = props.valueVersion ?? 1;

    // The expiry is set once, at creation; after that it belongs to whoever renews the value. A rotation function
    // writes each new version with its own expiry and tags (what it rotated): Terraform must not put them back.
    const ignoreChanges = props.rotated ? ["expiration_date", "tags"] : days === undefined ? [] : ["expiration_date"];
    this.secret = new AzKeyVaultSecret(this, "secret", {
      name: props.name,
      keyVaultId: props.keyVault.keyVaultId,
      contentType: props.contentType,
      tags: props.tags,
      valueWo: value,
      valueWoVersion: version,
      expirationDate: days === undefined ? undefined : Fn.timeadd(Fn.plantimestamp(), `${days * 24}h`),
      dependsOn: this.readiness.length + (props.dependsOn?.length ?? 0) > 0 ? [...this.readiness, ...(props.dependsOn ?? [])] : undefined,
      lifecycle: ignoreChanges.length > 0 ? { ignoreChanges } : undefined,
    });
  }

  /** The versionless ARM id of the secret: the scope of role assignments on this secret alone. */
  get resourceId(): string {
    return this.secret.resourceVersionlessId;
  }

  /** The data-plane URL without version, what applications read (https://<vault>.vault.azure.net/secrets/<name>). */
  get secretUri(): string {
    return this.secret.versionlessId;
  }

  /** Lets the grantee read this secret's value, and no other secret: "Key Vault Secrets User" on the secret. */
  grantRead(grantee: IAzurePrincipal): RoleGrant {
    return this.grant("read", grantee, KeyVaultRole.SECRETS_USER, `Read the secret ${this.secretName} and no other`);
  }

  /**
   * Lets the grantee (a rotation function) write new versions of this secret, their expiry and tags, and no other
   * secret: "Key Vault Secrets Officer" on the secret alone.
   */
  grantRotate(grantee: IAzurePrincipal): RoleGrant {
    return this.grant("rotate", grantee, KeyVaultRole.SECRETS_OFFICER, `Rotate the secret ${this.secretName} and no other`);
  }

  private grant(verb: string, grantee: IAzurePrincipal, role: string, description: string): RoleGrant {
    const dependsOn = this.readiness.length > 0 ? this.readiness : undefined;
    return grantFor(this, verb, { grantee, roleDefinitionName: role, scope: this.resourceId, description, dependsOn });
  }

}
