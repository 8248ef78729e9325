// The operators' handbook's snippets (docs/operators.md), run by the tests exactly as printed so
// that they cannot rot.
import { readFileSync } from 'node:fs';

const AsyncFunction = (async () => {}).constructor;

/**
 * The first `js` block after the heading `heading` (e.g. `## The council`) of docs/operators.md,
 * as an async function of the variables `params` names that resolves with the block's `result`.
 */
export function handbookSnippet(heading, params) {
  const handbook = readFileSync(new URL('../../docs/operators.md', import.meta.url), 'utf8');
  const at = handbook.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/operators.md has no section "${heading}"`);
  const [, code] = handbook.slice(at).match(/```js\n([\s\S]*?)```/);
  return new AsyncFunction(...params, `${code}\nreturn result;`);
}
