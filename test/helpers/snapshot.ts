// Snapshots should change when the infrastructure changes, not when a rotation bundle or package is rebuilt:
// bundle hashes and asset folders are replaced by placeholders (the hash itself is asserted elsewhere).
export function stableForSnapshot<T>(stackJson: T): T {
  return JSON.parse(
    JSON.stringify(stackJson)
      .replace(/"source_code_hash":"[^"]*"/g, '"source_code_hash":"<bundle sha256>"')
      .replace(/assets\/([^/"]+)\/[0-9A-F]{32}\//g, "assets/$1/<hash>/")
      // The Azure rotation package: its hash, and whether it was built when the stack was synthesized.
      .replace(/"package":"(?:[0-9a-f]{64}|not built)"/g, '"package":"<package sha256>"')
      .replace(/"command":"(?:az functionapp deployment source config-zip [^"\\]*(?:\\.[^"\\]*)*|echo \\"azure-rotation\.zip was not built[^"\\]*(?:\\.[^"\\]*)*)"/g, '"command":"<deploy the package>"'),
  );
}
