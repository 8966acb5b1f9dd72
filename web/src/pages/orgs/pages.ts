// The organizations area's pages, one script loaded when the first of them opens (routes.tsx).
export { OrgList } from './OrgList';
export { OrgLayout } from './OrgLayout';
export { ProfileTab } from './ProfileTab';
export { MembersTab } from './MembersTab';
export { RolesTab } from './RolesTab';
export { CustomersTab } from './CustomersTab';
export { DomainsTab } from './DomainsTab';
export { OversightTab } from './OversightTab';
export { RequestPage } from './RequestPage';
export { TeamTab } from './TeamTab';
export { DkimTab } from './DkimTab';
export { AccountTab } from './AccountTab';
