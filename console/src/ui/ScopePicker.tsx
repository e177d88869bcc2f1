import { useLoad } from './hooks';
import { groupScopes, scopeCatalogue, scopesOfLevel, type AccessLevel } from './scopes';
import { ErrorNotice, Loading } from './States';

const LEVELS: { level: AccessLevel; label: string }[] = [
  { level: 'read-only', label: 'Read-only' },
  { level: 'write', label: 'Write' },
  { level: 'admin', label: 'Admin' },
];

/** The catalogue as a checklist by resource, with the access levels as shortcuts. */
export function ScopePicker({
  value,
  onChange,
  legend = 'Scopes',
}: {
  value: string[];
  onChange: (scopes: string[]) => void;
  legend?: string;
}) {
  const catalogue = useLoad(scopeCatalogue, []);
  if (catalogue.error) return <ErrorNotice error={catalogue.error} />;
  if (!catalogue.data) return <Loading label="Loading the scopes…" />;
  const all = catalogue.data;
  const toggle = (scope: string, on: boolean) =>
    onChange(on ? [...value, scope] : value.filter((s) => s !== scope));
  return (
    <fieldset className="scope-picker">
      <legend>{legend}</legend>
      <div className="level-shortcuts" role="group" aria-label="Access level shortcuts">
        {LEVELS.map(({ level, label }) => (
          <button
            key={level}
            type="button"
            className="chip"
            onClick={() => onChange(scopesOfLevel(level, all))}
          >
            {label}
          </button>
        ))}
        <button type="button" className="chip chip-quiet" onClick={() => onChange([])}>
          Clear
        </button>
      </div>
      <div className="scope-groups">
        {groupScopes(all).map(([resource, scopes]) => (
          <div key={resource} className="scope-group">
            <span className="scope-resource">{resource.replace(/_/g, ' ')}</span>
            {scopes.map((scope) => (
              <label key={scope} className="check">
                <input
                  type="checkbox"
                  checked={value.includes(scope)}
                  onChange={(event) => toggle(scope, event.target.checked)}
                />
                <code>{scope}</code>
              </label>
            ))}
          </div>
        ))}
      </div>
      <p className="hint">{value.length === 0 ? 'No scope chosen.' : `${value.length} chosen.`}</p>
    </fieldset>
  );
}
