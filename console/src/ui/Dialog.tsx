import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';

/**
 * The control a dialog focuses first: spread on it. (autoFocus alone covers content that
 * replaces the dialog's while it is open, such as a secret shown after its form.)
 */
export const AUTOFOCUS = { autoFocus: true, 'data-autofocus': true } as const;

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Wide dialogs hold forms with many fields. */
  wide?: boolean;
}

/**
 * A modal on the native <dialog>: focus moves into it and stays there, Escape closes it, the
 * page behind is inert. Rendered while open; closing unmounts it.
 */
export function Dialog({ title, onClose, children, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // Who opened it (read while rendering, before a field inside takes focus): focus returns there.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // showModal() focuses the first button (Close); the field marked AUTOFOCUS gets it instead
    // (React's autoFocus ran while the dialog was closed, when nothing in it can take focus).
    dialog?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, [opener]);
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  );
}

interface ConfirmProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  error?: ReactNode;
}

/** "Are you sure?" for what cannot be undone: the destructive button is red and named for it. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  onConfirm,
  onClose,
  error,
}: ConfirmProps) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onConfirm();
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} className="dialog-body">
        <div className="confirm-text">{children}</div>
        {error}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} {...AUTOFOCUS}>
            Cancel
          </button>
          <button type="submit" className="button button-danger" disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
