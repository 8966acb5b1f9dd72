// Where an agreement is read and signed; `next`: where to send the person once signed.
export function agreementPath(slug: string, next?: string): string {
  return `/legal/${encodeURIComponent(slug)}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
}
