// The legal agreements' pages: the list, and one agreement to read and sign. Open to
// visitors (the text is public); signing asks them to log in.
import type { RouteObject } from 'react-router';
import { areaPages } from '../../lib/lazy';

const { page } = areaPages(() => import('./pages'));

export const legalRoutes: RouteObject[] = [
  { path: '/legal', ...page('Agreements') },
  { path: '/legal/:agreement', ...page('Agreement') },
];
