// See node-module.ts: the part of Node's `util` micromatch uses (to describe a wrong argument).
export function inspect(value: unknown) {
  return JSON.stringify(value);
}
export default { inspect };
