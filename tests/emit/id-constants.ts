import { readFileSync } from 'node:fs';

/** `NAME -> value` of the `const int NAME = value;` lines of an ncnn2mem-style .id.h. */
export function idConstants(file: string): Map<string, number> {
  return new Map([...readFileSync(file, 'latin1').matchAll(/^const int (\w+) = (\d+);$/gm)].map((m) => [m[1]!, Number(m[2])]));
}
