import { TesseraError } from '@tessera/sdk/browser';
import type { ReactNode } from 'react';
import { startSignIn } from '../auth/sign-in';

/** What went wrong, in the server's words (its `detail`), with the request id to quote. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const { message, requestId } = describeError(error);
  // The session ended (signed out elsewhere, expired, a password change): a way back in.
  const signedOut = error instanceof TesseraError && error.status === 401;
  return (
    <div className="notice notice-error" role="alert">
      {title && <strong>{title} </strong>}
      {message}
      {requestId && <span className="reference"> Request id: {requestId}</span>}
      {signedOut && (
        <button
          type="button"
          className="button button-small notice-action"
          onClick={() => void startSignIn(location.pathname)}
        >
          Sign in again
        </button>
      )}
    </div>
  );
}

export function describeError(error: unknown): { message: string; requestId?: string } {
  if (error instanceof TesseraError) {
    return { message: error.detail, requestId: error.requestId };
  }
  if (error instanceof TypeError) {
    return { message: 'Tessera could not be reached. Check your connection and try again.' };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}
