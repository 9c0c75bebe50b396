// `npm run schema`: writes config/platform.schema.json and docs/description.md from config/schema.ts. Run it after
// changing the schema; test/description-schema.test.ts fails while either file is stale.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { descriptionReference, descriptionSchemaFile, REFERENCE_FILE, SCHEMA_FILE } from "./description-schema";

// npm runs scripts from the project folder.
const root = process.cwd();
writeFileSync(path.join(root, SCHEMA_FILE), descriptionSchemaFile());
writeFileSync(path.join(root, REFERENCE_FILE), descriptionReference());
process.stdout.write(`wrote ${SCHEMA_FILE} and ${REFERENCE_FILE}\n`);
