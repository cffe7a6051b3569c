// See node-module.ts: the part of Node's `path` micromatch uses, with POSIX separators.
export const sep = "/";
export function basename(input: string) {
  return input.split("/").pop() ?? input;
}
export default { sep, basename };
