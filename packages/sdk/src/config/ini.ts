/**
 * The small INI dialect of ~/.tessera/config: `[section]` headers, `key = value` lines, `#` or
 * `;` comments, blank lines. Values are taken verbatim (tokens and URLs need no quoting); keys
 * before any section belong to no profile and are ignored.
 */
export type IniSections = Record<string, Record<string, string>>;

const SECTION = /^\[\s*([^\]]+?)\s*\]$/;

export function parseIni(text: string): IniSections {
  const sections: IniSections = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = SECTION.exec(line);
    if (header) {
      current = sections[header[1]] ??= {};
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0 || current === undefined) continue;
    current[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return sections;
}

export function stringifyIni(sections: IniSections): string {
  return Object.entries(sections)
    .map(([name, values]) => {
      checkName(name, 'profile');
      const lines = Object.entries(values).map(([key, value]) => {
        checkName(key, 'key');
        if (/[\r\n]/.test(value)) throw new Error(`The value of ${key} must be one line`);
        return `${key} = ${value}`;
      });
      return [`[${name}]`, ...lines].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

function checkName(name: string, what: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`A ${what} name is letters, digits, '_', '.' or '-': ${JSON.stringify(name)}`);
  }
}
