// The deployments pages' routes, children of the page frame (components/Shell.tsx): an
// organization's stacks and applications (get.chat's API), under the organization's address.
import type { RouteObject } from 'react-router';
import { RequireLogin } from '../../lib/session';
import { Stacks } from './Stacks';
import { StackDetail } from './StackDetail';
import { Applications } from './Applications';
import { ApplicationDetail } from './ApplicationDetail';

export const deploymentsRoutes: RouteObject[] = [
  { path: 'orgs/:org/stacks', element: <RequireLogin><Stacks /></RequireLogin> },
  { path: 'orgs/:org/stacks/:stack', element: <RequireLogin><StackDetail /></RequireLogin> },
  { path: 'orgs/:org/applications', element: <RequireLogin><Applications /></RequireLogin> },
  { path: 'orgs/:org/applications/:application', element: <RequireLogin><ApplicationDetail /></RequireLogin> },
];
