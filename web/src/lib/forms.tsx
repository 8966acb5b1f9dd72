// Form plumbing shared by every page: run an API call, keep its error, and show the API's
// messages next to the fields they name (or above the form when they name none).
import { useCallback, useState, type ReactNode } from 'react';
import { Alert } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ApiError } from './api';

export interface Submission<A extends unknown[]> {
  busy: boolean;
  error: ApiError | null;
  /** The API's message about `name`, for an input's `error` prop. */
  fieldError(name: string): string | undefined;
  /** Runs the action; answers true when it succeeded. Errors are kept, not thrown. */
  run(...args: A): Promise<boolean>;
  reset(): void;
}

export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<unknown>, options: { success?: string } = {}): Submission<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await action(...args);
      if (options.success) notifications.show({ message: options.success, color: 'teal' });
      return true;
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', caught instanceof Error ? caught.message : String(caught), {}));
      return false;
    } finally {
      setBusy(false);
    }
  }, [action, options.success]);
  return {
    busy,
    error,
    fieldError: (name) => error?.field(name),
    run,
    reset: () => setError(null),
  };
}

/** The error of a submission that names no field of the form (or every message, with `all`). */
export function FormError({ error, fields = [], title }: { error: ApiError | null; fields?: string[]; title?: ReactNode }) {
  if (!error) return null;
  const shownElsewhere = Object.keys(error.fields).length > 0 && Object.keys(error.fields).every((name) => fields.includes(name));
  if (shownElsewhere) return null;
  const others = Object.entries(error.fields).filter(([name]) => !fields.includes(name));
  return (
    <Alert color="red" role="alert" title={title ?? 'That did not work'}>
      {error.message}
      {others.map(([name, messages]) => <div key={name}>{name}: {messages.join(' ')}</div>)}
    </Alert>
  );
}
