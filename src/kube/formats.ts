import type { Format } from "ajv";
import { fullFormats } from "ajv-formats/dist/formats.js";

/**
 * Go's `time.ParseDuration` syntax: an optional sign, then one or more numbers
 * (with an optional fraction) each followed by a unit, or a bare `0`.
 */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/** The looser, space-tolerant syntax the API server also accepts, e.g. `300 ms` or `5 minutes`. */
const LOOSE_DURATION = /^\s*(?:\d+\s*[A-Za-zµ]+\s*)+$/;
const LOOSE_PART = /\d+\s*([A-Za-zµ]+)/g;

/**
 * Unit spellings of the loose syntax, one list per unit: a unit must equal one
 * of the spellings, or start with the last (longest) one (`min`, `minutes`).
 */
const UNIT_SPELLINGS: readonly (readonly string[])[] = [
  ["ns", "nano"],
  ["us", "µs", "micro"],
  ["ms", "milli"],
  ["s", "sec"],
  ["m", "min"],
  ["h", "hr", "hour"],
  ["d", "day"],
  ["w", "wk", "week"],
];

function isKnownUnit(unit: string): boolean {
  const lower = unit.toLowerCase();
  return UNIT_SPELLINGS.some((spellings) =>
    spellings.some(
      (spelling, i) =>
        spelling === lower || (i === spellings.length - 1 && lower.startsWith(spelling)),
    ),
  );
}

/**
 * Whether the API server's `format: duration` check accepts a string: Go's
 * duration syntax, or the looser one with spaces and long unit names as long as
 * at least one unit is recognised. CRDs that need Go's syntax exactly add a
 * `pattern` (Gateway API does).
 */
export function isKubernetesDuration(text: string): boolean {
  if (GO_DURATION.test(text)) return true;
  if (!LOOSE_DURATION.test(text)) return false;
  for (const match of text.matchAll(LOOSE_PART)) {
    if (isKnownUnit(match[1] as string)) return true;
  }
  return false;
}

/**
 * The string formats the API server checks in CRD schemas, as Ajv formats.
 * Every other format (int32, int64, uri, password, ...) is not checked by the
 * server, so the validator registers it as a no-op when a schema uses it.
 */
export const KUBERNETES_FORMATS: Readonly<Record<string, Format>> = {
  duration: isKubernetesDuration,
  "date-time": fullFormats["date-time"],
  datetime: fullFormats["date-time"],
  date: fullFormats.date,
  ipv4: fullFormats.ipv4,
  ipv6: fullFormats.ipv6,
  uuid: fullFormats.uuid,
  byte: fullFormats.byte,
  email: fullFormats.email,
  hostname: fullFormats.hostname,
};
