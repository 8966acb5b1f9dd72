// The organization's account details (EmbedThis: billing details, payment terms, metrics). Filled by the embedthis lane.
export function AccountTab() {
  return null;
}
