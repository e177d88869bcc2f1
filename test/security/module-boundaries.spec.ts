import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Who may import what, read from the sources: a module reaches another module through its
 * services, never its repository; the shared plumbing in src/common depends on no module (the
 * modules plug into it: verifiers, recorders, registrations).
 */
const SRC = resolve(__dirname, '../../src');

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every relative import of every source file, resolved to the file it names (under src/). */
function relativeImports(): Import[] {
  return sourceFiles(SRC).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => ({
        from: relative(SRC, file),
        to: relative(SRC, resolve(dirname(file), name)),
      })),
  );
}

/** `modules/api-keys/...` -> `api-keys`; null outside src/modules. */
function moduleOf(path: string): string | null {
  const [top, name] = path.split(sep);
  return top === 'modules' ? name : null;
}

describe('module boundaries', () => {
  const imports = relativeImports();

  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual({
      from: join('modules', 'api-keys', 'api-keys.service.ts'),
      to: join('modules', 'api-keys', 'api-keys.repository'),
    });
  });

  it('lets no module import another module’s repository', () => {
    const crossings = imports.filter(
      ({ from, to }) =>
        to.endsWith('.repository') && moduleOf(from) !== null && moduleOf(from) !== moduleOf(to),
    );
    expect(crossings).toEqual([]);
  });

  it('lets nothing in src/common import from src/modules', () => {
    const crossings = imports.filter(
      ({ from, to }) => from.startsWith(`common${sep}`) && to.startsWith(`modules${sep}`),
    );
    expect(crossings).toEqual([]);
  });
});
