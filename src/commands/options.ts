/**
 * Command-line options declared once: a schema (key -> flag, help, parser) feeds commander
 * and gives the typed flags object, so an option is never written out twice. The
 * preprocessing options are one shared schema, so every command spells them the same.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { PRESET_NAMES } from '../image/preprocess.js';

export interface OptionSpec<T> {
  /** commander flags, e.g. '--max-images <n>'; the schema key must be its attribute name. */
  flags: string;
  description: string;
  parse?: (text: string) => T;
  choices?: readonly string[];
  default?: T;
  /** Phantom: the value type. */
  readonly _type?: T;
}

export type OptionSchema = Record<string, OptionSpec<unknown>>;

/** The flags object commander hands to an action, typed from the schema. */
export type FlagsOf<S extends OptionSchema> = { [K in keyof S]?: S[K] extends OptionSpec<infer T> ? T : never };

export const text = (flags: string, description: string, extra: Partial<OptionSpec<string>> = {}): OptionSpec<string> => ({ flags, description, ...extra });
export const choice = <T extends string>(flags: string, description: string, choices: readonly T[], def?: T): OptionSpec<T> => ({
  flags,
  description,
  choices,
  ...(def === undefined ? {} : { default: def }),
});
export const flag = (flags: string, description: string): OptionSpec<boolean> => ({ flags, description });
export const numeric = (flags: string, description: string, parse: (t: string) => number, def?: number): OptionSpec<number> => ({
  flags,
  description,
  parse,
  ...(def === undefined ? {} : { default: def }),
});

export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`'${text}' is not a positive integer`);
  return n;
}

export const numberIn = (lo: number, hi: number, open = false) => (text: string): number => {
  const n = Number(text);
  const inside = open ? n > lo && n < hi : n >= lo && n <= hi;
  if (text.trim() === '' || !Number.isFinite(n) || !inside) throw new InvalidArgumentError(`'${text}' is not a number in ${open ? '(' : '['}${lo}, ${hi}${open ? ')' : ']'}`);
  return n;
};

/** Adds every option of `schema` to `cmd`. */
export function addOptions(cmd: Command, schema: OptionSchema): Command {
  for (const [key, spec] of Object.entries(schema)) {
    const o = new Option(spec.flags, spec.description);
    // the key is how the action reads the value: a typo here must not pass silently
    if (o.attributeName() !== key) throw new Error(`option schema: key '${key}' does not match ${spec.flags} (${o.attributeName()})`);
    if (spec.choices) o.choices(spec.choices);
    if (spec.parse) o.argParser(spec.parse as (value: string, previous: unknown) => unknown);
    if (spec.default !== undefined) o.default(spec.default);
    cmd.addOption(o);
  }
  return cmd;
}

/** How a crop becomes the model input; the same flags in quantize and eval. */
export const PREPROCESS_OPTIONS = {
  preset: choice('--preset <name>', 'normalisation preset (the size stays the model\'s)', PRESET_NAMES),
  color: text('--color <RGB|BGR>', 'channel order the model expects'),
  mean: text('--mean <m>', "per-channel mean over 0..255 pixels, 'm' or 'r,g,b'"),
  std: text('--std <s>', "per-channel std over 0..255 pixels, 's' or 'r,g,b'"),
  inputSize: text('--input-size <WxH>', 'crop size, width first (e.g. 96x112); must match the model\'s input when that is fixed'),
} satisfies OptionSchema;
