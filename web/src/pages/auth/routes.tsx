// The sign-in pages' routes, children of the page frame (components/Shell.tsx). The keyed
// addresses are the ones mails link to (src/http/portal/links.ts).
import type { RouteObject } from 'react-router';
import { Login } from './Login';
import { Register } from './Register';
import { Activate } from './Activate';
import { Recover } from './Recover';
import { Reset } from './Reset';
import { EmailLink } from './EmailLink';
import { Invitation } from './Invitation';
import { Logout } from './Logout';

export const authRoutes: RouteObject[] = [
  { path: 'login', element: <Login /> },
  { path: 'register', element: <Register /> },
  { path: 'activate/:key', element: <Activate /> },
  { path: 'recover', element: <Recover /> },
  { path: 'reset/:uid/:key', element: <Reset /> },
  { path: 'email/confirm/:key', element: <EmailLink undo={false} /> },
  { path: 'email/undo/:key', element: <EmailLink undo /> },
  { path: 'invitations/:user/:key', element: <Invitation /> },
  { path: 'logout', element: <Logout /> },
];
