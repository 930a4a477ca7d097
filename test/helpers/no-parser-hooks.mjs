import { appendFileSync } from "node:fs";

// The bash parser is loaded by importing web-tree-sitter (test/lint/imports.test.ts keeps it
// so): each attempt is written to $DEMOSHTS_PARSER_LOG, then refused.
export async function resolve(specifier, context, next) {
  if (/^(web-tree-sitter|tree-sitter-bash)(\/|$)/.test(specifier)) {
    const log = process.env.DEMOSHTS_PARSER_LOG;
    if (log) appendFileSync(log, `${specifier}\n`);
    throw new Error(`${specifier} may not be loaded here`);
  }
  return next(specifier, context);
}
