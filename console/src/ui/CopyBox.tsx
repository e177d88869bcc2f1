import { useId, useState } from 'react';

interface CopyBoxProps {
  label: string;
  value: string;
  /** A secret shown once: the box says so. */
  secret?: boolean;
  multiline?: boolean;
}

/** A value to copy, read-only and selectable, with a button that copies it. */
export function CopyBox({ label, value, secret, multiline }: CopyBoxProps) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      (document.getElementById(id) as HTMLInputElement | null)?.select();
    }
  };
  return (
    <div className={secret ? 'copy-box copy-box-secret' : 'copy-box'}>
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {multiline ? (
          <textarea id={id} readOnly value={value} rows={4} spellCheck={false} />
        ) : (
          <input
            id={id}
            type="text"
            readOnly
            value={value}
            spellCheck={false}
            onFocus={(event) => event.currentTarget.select()}
          />
        )}
        <button type="button" className="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {secret && (
        <p className="copy-warning">
          Copy it now: Tessera keeps only a hash and will not show it again.
        </p>
      )}
      <span className="visually-hidden" aria-live="polite">
        {copied ? `${label} copied` : ''}
      </span>
    </div>
  );
}
