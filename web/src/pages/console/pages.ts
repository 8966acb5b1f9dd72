// The console's pages, one script loaded when the first of them opens (routes.tsx).
export { ConsoleLayout } from './ConsoleLayout';
export { Overview } from './Overview';
export { Users } from './Users';
export { UserDetail } from './UserDetail';
export { Orgs } from './Orgs';
export { Settings } from './Settings';
