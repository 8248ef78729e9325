// The handbooks' snippets, run by the tests exactly as printed so that they cannot rot: the
// operators' `js` blocks (docs/operators.md) one by one, and the integrators' guide's `ts`
// blocks (docs/integrators.md) as one TypeScript module.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const AsyncFunction = (async () => {}).constructor;
const read = (doc) => readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');

/**
 * The first `js` block after the heading `heading` (e.g. `## The council`) of docs/operators.md,
 * as an async function of the variables `params` names that resolves with the block's `result`.
 */
export function handbookSnippet(heading, params) {
  const handbook = read('operators.md');
  const at = handbook.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/operators.md has no section "${heading}"`);
  const [, code] = handbook.slice(at).match(/```js\n([\s\S]*?)```/);
  return new AsyncFunction(...params, `${code}\nreturn result;`);
}

/** Every `ts` block of `doc`, in order, as one TypeScript source. */
export const guideSource = (doc) => [...read(doc).matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code).join('\n');

/**
 * Every `ts` block of `doc`, in order, as one module: its imports resolved from the tests'
 * packages, its types stripped by the TypeScript compiler, and its exported functions and
 * constants returned by name.
 */
export async function guideModule(doc) {
  const source = guideSource(doc);
  const imports = [];
  const body = source.replace(/^import (type )?\{([^}]*)\} from '([^']+)';\n/gm, (_, typeOnly, names, from) => {
    if (!typeOnly) imports.push([from, names.split(',').map((name) => name.trim()).filter(Boolean)]);
    return '';
  });
  const exported = [...body.matchAll(/^export (?:async )?(?:function|const|interface|type) (\w+)/gm)]
    .filter(([line]) => !/ (interface|type) /.test(line)).map(([, name]) => name);
  const { outputText } = ts.transpileModule(body.replace(/^export /gm, ''), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
  const bindings = [];
  for (const [from, names] of imports) {
    const module = await import(from);
    for (const name of names) bindings.push([name, module[name]]);
  }
  const run = new AsyncFunction(...bindings.map(([name]) => name), `${outputText}\nreturn { ${exported.join(', ')} };`);
  return run(...bindings.map(([, value]) => value));
}
