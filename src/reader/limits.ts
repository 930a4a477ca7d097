/**
 * How big and how deep a demo may be. Real demos stay far below these; they
 * exist so that a runaway input gets a located error instead of a crash, a
 * hang or all of the machine's memory.
 */

/** The largest file a demo, an import, a nested demo or a checked file may be. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** The most bytes one demo may read, counting its imports each time they are imported. */
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
/** How many lines one demo may have, its imports included (each time they are imported). */
export const MAX_LINES = 1_000_000;
/** How many imports one demo may read, counting a file each time it is imported. */
export const MAX_IMPORTS = 10_000;
/** How many files deep `@import` may go. */
export const MAX_IMPORT_DEPTH = 100;
/** How many `@macro`/`@ifhook` blocks deep a block may be nested. */
export const MAX_BLOCK_DEPTH = 100;
/** How many macros deep a chain of macro calls may go. */
export const MAX_MACRO_CALL_DEPTH = 100;
/** How many steps the demo's macro calls may add when expanded. */
export const MAX_EXPANDED_STEPS = 1_000_000;
/** How many `$SHELL` demos deep the dry run follows. */
export const MAX_NESTED_DEPTH = 100;
/** How many `$SHELL` demos one dry run may plan, counting a demo each time it runs. */
export const MAX_NESTED_DEMOS = 1_000;
/** How many steps a dry run may plan, nested demos included. */
export const MAX_PLAN_STEPS = 2_000_000;

/** A long chain shown in a message: its first and last few links, and how many are left out. */
export function describeChain(links: readonly string[], separator = " -> "): string {
  if (links.length <= 12) return links.join(separator);
  const left = links.length - 10;
  return [...links.slice(0, 5), `... (${left} more)`, ...links.slice(-5)].join(separator);
}
