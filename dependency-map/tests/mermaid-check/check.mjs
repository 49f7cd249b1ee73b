// Parses Mermaid files with Mermaid's own parser (`mermaid.parse`) under jsdom, the check the
// dependency map's render tests run when Node and these packages are installed:
//
//   npm ci --prefix dependency-map/tests/mermaid-check
//   node dependency-map/tests/mermaid-check/check.mjs diagram.mmd ...
//
// Packages are found in ./node_modules beside this file, or in $MERMAID_NODE_MODULES.
// Prints `ok <file>: <diagram type>` or `FAILED <file>: <parser error>`; exit 1 if any failed.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.MERMAID_NODE_MODULES || join(here, 'node_modules');
if (!existsSync(join(modules, 'mermaid')) || !existsSync(join(modules, 'jsdom'))) {
  console.error(`mermaid and jsdom are not installed in ${modules}`);
  process.exit(2);
}
const require = createRequire(join(modules, 'noop.js'));
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const key of ['DOMParser', 'Element', 'HTMLElement', 'Node']) {
  if (!(key in globalThis)) globalThis[key] = dom.window[key];
}
const { default: mermaid } = await import(pathToFileURL(join(modules, 'mermaid/dist/mermaid.core.mjs')).href);
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(`ok ${file}: ${result.diagramType}`);
  } catch (err) {
    failed += 1;
    console.log(`FAILED ${file}: ${err?.message ?? err}`);
  }
}
process.exit(failed ? 1 : 0);
