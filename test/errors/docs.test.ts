import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, OtpError, type ErrorCode } from '../../src/errors/index.js';
import { envelopeFor } from '../../src/http/error-envelope.js';

/**
 * docs/errors.md is what every error envelope's `docs` link points at, so it must have one section
 * per catalog code, under the anchor the link uses, stating the catalog's status and retry flag.
 */
const DOCS = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** `## Heading` → its body up to the next `## `. */
function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  const parts = markdown.split(/^## /m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf('\n');
    const heading = newline === -1 ? part : part.slice(0, newline);
    found.set(githubSlug(heading), newline === -1 ? '' : part.slice(newline + 1));
  }
  return found;
}

const SECTIONS = sections(DOCS);

describe('docs/errors.md', () => {
  it('has exactly one section per catalog code, and none for codes that no longer exist', () => {
    const documented = [...SECTIONS.keys()];
    expect(new Set(documented).size).toBe(documented.length);
    expect(documented.sort()).toEqual(CODES.map((code) => code.toLowerCase()).sort());
  });

  for (const code of CODES) {
    it(`${code}: the envelope's docs link lands on a section with its status and retry flag`, () => {
      const anchor = code.toLowerCase();
      const link = envelopeFor(new OtpError(code), 'req_test').error.docs;
      expect(link.endsWith(`docs/errors.md#${anchor}`)).toBe(true);

      const body = SECTIONS.get(anchor);
      expect(body, `docs/errors.md has no "## ${code}" section`).toBeDefined();
      const spec = ERROR_CATALOG[code];
      expect(body).toContain(`**HTTP status:** ${spec.status}`);
      expect(body).toContain(`\`retryable: ${spec.retryable}\``);
      expect(body).toContain('**When:**');
      expect(body).toContain('**What to do:**');
    });
  }

  it('only links to anchors that exist', () => {
    for (const match of DOCS.matchAll(/\]\(#([^)]+)\)/g)) {
      expect(SECTIONS.has(match[1] ?? ''), `broken link #${match[1]}`).toBe(true);
    }
  });
});
