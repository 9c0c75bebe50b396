#!/bin/sh
# `npm run check`: rebuilds dist/check.js only when its sources changed (esbuild costs about a fifth of a second
# of the budget of one), then runs it. Editing the description itself does not rebuild. npm runs it from the project
# folder, where PLATFORM_CONFIG resolves as it does for synth.
set -e
if [ ! -f dist/check.js ] || [ -n "$(find config contracts scripts/check.ts package-lock.json -newer dist/check.js \( -name '*.ts' -o -name package-lock.json \))" ]; then
  esbuild scripts/check.ts --bundle --platform=node --target=node20 --outfile=dist/check.js --log-level=warning
fi
exec node dist/check.js
