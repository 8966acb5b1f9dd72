// The deployments pages' routes, children of the page frame (components/Shell.tsx): an
// organization's stacks and applications (get.chat's API), under the organization's address.
import type { RouteObject } from 'react-router';
import { areaPages } from '../../lib/lazy';

const { loggedIn } = areaPages(() => import('./pages'));

export const deploymentsRoutes: RouteObject[] = [
  { path: 'orgs/:org/stacks', ...loggedIn('Stacks') },
  { path: 'orgs/:org/stacks/:stack', ...loggedIn('StackDetail') },
  { path: 'orgs/:org/applications', ...loggedIn('Applications') },
  { path: 'orgs/:org/applications/:application', ...loggedIn('ApplicationDetail') },
];
