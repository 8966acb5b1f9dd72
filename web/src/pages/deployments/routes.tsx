// The deployments pages' routes, children of the page frame (components/Shell.tsx).
import type { RouteObject } from 'react-router';

export const deploymentsRoutes: RouteObject[] = [];
