// The legal agreements' pages: the list, and one agreement to read and sign. Open to
// visitors (the text is public); signing asks them to log in.
import type { RouteObject } from 'react-router';
import { Agreement, Agreements } from './Agreement';

export const legalRoutes: RouteObject[] = [
  { path: '/legal', element: <Agreements /> },
  { path: '/legal/:agreement', element: <Agreement /> },
];
