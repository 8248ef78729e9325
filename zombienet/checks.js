// Zombienet's entry to our checks: `alice: js-script ./checks.js with "name,arg,..." return is 0
// within N seconds`. Zombienet loads js-scripts as CommonJS; the checks are an ES module
// (checks.mjs) that shares the e2e tests' helpers in tests/lib.
async function run(nodeName, networkInfo, args) {
  const { check } = await import('./checks.mjs');
  return check(nodeName, networkInfo, args);
}

module.exports = { run };
