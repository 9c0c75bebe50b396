import type { ResourceRule } from "../../rule";
import { asList } from "../../../readers/synthesized";

export const postgresVerifyWithoutCa: ResourceRule = {
  id: "SP-VLT-009",
  name: "Vault PostgreSQL connection that verifies TLS without a CA",
  reason: "With sslmode verify-full or verify-ca and no tls_ca (nor sslrootcert) Vault checks the database against its system trust store, which holds neither RDS's CAs nor a private CA: every connection, and so every credential, fails.",
  fix: "Give the connection the CA that signed the database's certificate (postgresql.tls_ca; vault.database.tlsCaFile, or vault.databases.<name>.tlsCaFile), or use sslmode require where verification is impossible.",
  appliesTo: ["vault_database_secret_backend_connection", "vault_database_secrets_mount"],
  check(r) {
    return asList(r.attributes.postgresql)
      .filter((c: any) => c && typeof c === "object")
      .flatMap((c: any) => {
        const url = String(c.connection_url ?? "");
        const mode = /[?&]sslmode=(verify-full|verify-ca)(&|$)/.exec(url)?.[1];
        if (!mode || /[?&]sslrootcert=/.test(url)) return [];
        const ca = c.tls_ca;
        return typeof ca === "string" && ca.trim() !== "" ? [] : [`sslmode=${mode} without tls_ca`];
      });
  },
};
