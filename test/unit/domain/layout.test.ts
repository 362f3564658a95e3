import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../src/util/project-root';

/**
 * `src/domain` holds the types every part shares (samples, writes, their outcomes, operator
 * events, alarm priorities); it depends on nothing else of ours, so any part can use it without
 * pulling in control, the historian or the API.
 */
describe('src/domain', () => {
  it('imports nothing of ours from outside src/domain', () => {
    const dir = join(projectRoot(), 'src', 'domain');
    const outside: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/from '([^']+)'/g))
        if (m[1]!.startsWith('.') && !m[1]!.startsWith('./')) outside.push(`${file}: ${m[1]}`);
    }
    expect(outside).toEqual([]);
  });
});
