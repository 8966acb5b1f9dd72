// A refusal above a form: explained in words when it deserves it, else the API's message
// (unless every field it names is already shown next to its input).
import type { ReactNode } from 'react';
import { Alert } from '@mantine/core';
import type { ApiError } from '../../lib/api';
import { FormError } from '../../lib/forms';
import { explain } from './words';

export function Refusal({ error, fields = [], children }: { error: ApiError | null; fields?: string[]; children?: ReactNode }) {
  if (!error) return null;
  const words = explain(error);
  if (!words) return <FormError error={error} fields={fields} />;
  return (
    <Alert color={error.status === 429 ? 'orange' : 'red'} role="alert" title={words.title}>
      {words.text}
      {children}
    </Alert>
  );
}
