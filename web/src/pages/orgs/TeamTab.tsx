// The users the organization owns (Accountcentral team users). Filled by the ac-team lane.
export function TeamTab() {
  return null;
}
