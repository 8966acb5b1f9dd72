// The organization's DKIM keys. Filled by the ac-dkim lane.
export function DkimTab() {
  return null;
}
