// A Key Vault secret that exists already and that Terraform does not manage (adopted, docs/adopting.md): workloads are
// granted on it by name, and nothing of it is in state. Importing it as azurerm_key_vault_secret is not safe at
// azurerm 4.55.0 (internal/services/keyvault/key_vault_secret_resource.go): its Read stores the secret's `value` in
// state unless value_wo_version is already in state, which an import never has, and its Update writes value_wo as a new
// version as soon as value_wo_version differs from state (0 after import), which would replace the adopted value.
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { IAzurePrincipal, KeyVaultRole } from "./principal";
import { grantFor, RoleGrant } from "./role-grant";
import type { IKeyVaultSecret } from "./key-vault-secret";

/** Key Vault object names: 1-127 letters, digits and dashes. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

export interface ExistingKeyVaultSecretProps {
  /** ARM id of the vault that holds the secret. */
  readonly keyVaultId: string;
  /** The vault's data-plane URL, https://<vault>.vault.azure.net/ (with its final slash, as azurerm gives vault_uri). */
  readonly vaultUri: string;
  /** The existing secret's name. */
  readonly name: string;
  /** What grants must wait for (the vault's private endpoint and DNS, the deployer's role). @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export class ExistingKeyVaultSecret extends Construct implements IKeyVaultSecret {
  readonly secretName: string;
  /**
   * The versionless ARM id, /subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.KeyVault/vaults/<v>/secrets/<name>:
   * the form azurerm builds resource_versionless_id in (parse.SecretVersionlessId.ID at 4.55.0), the scope of grants.
   */
  readonly resourceId: string;
  /** https://<vault>.vault.azure.net/secrets/<name>, what applications read. */
  readonly secretUri: string;
  private readonly dependsOn: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ExistingKeyVaultSecretProps) {
    super(scope, id);
    if (!SECRET_NAME.test(props.name)) {
      throw new Error(`${this.node.path}: secret name "${props.name}" is invalid; Key Vault allows 1-127 letters, digits and dashes`);
    }
    this.secretName = props.name;
    this.resourceId = `${props.keyVaultId}/secrets/${props.name}`;
    this.secretUri = `${props.vaultUri}secrets/${props.name}`;
    this.dependsOn = props.dependsOn ?? [];
  }

  /** Lets the grantee read this secret's value, and no other secret: "Key Vault Secrets User" on the secret. */
  grantRead(grantee: IAzurePrincipal): RoleGrant {
    return this.grant("read", grantee, KeyVaultRole.SECRETS_USER, `Read the secret ${this.secretName} and no other`);
  }

  /** Lets the grantee write new versions of this secret and no other: "Key Vault Secrets Officer" on the secret. */
  grantRotate(grantee: IAzurePrincipal): RoleGrant {
    return this.grant("rotate", grantee, KeyVaultRole.SECRETS_OFFICER, `Rotate the secret ${this.secretName} and no other`);
  }

  private grant(verb: string, grantee: IAzurePrincipal, role: string, description: string): RoleGrant {
    const dependsOn = this.dependsOn.length > 0 ? [...this.dependsOn] : undefined;
    return grantFor(this, verb, { grantee, roleDefinitionName: role, scope: this.resourceId, description, dependsOn });
  }

}
