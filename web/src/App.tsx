// Every page, by address. Each area keeps its routes beside its pages (pages/<area>/routes.tsx).
import { createBrowserRouter, RouterProvider } from 'react-router';
import { Shell } from './components/Shell';
import { Home } from './pages/Home';
import { NotFound } from './pages/NotFound';
import { authRoutes } from './pages/auth/routes';
import { accountRoutes } from './pages/account/routes';
import { orgsRoutes } from './pages/orgs/routes';
import { consoleRoutes } from './pages/console/routes';
import { billingRoutes } from './pages/billing/routes';
import { deploymentsRoutes } from './pages/deployments/routes';
import { legalRoutes } from './pages/legal/routes';

const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      { index: true, element: <Home /> },
      ...authRoutes,
      ...accountRoutes,
      ...orgsRoutes,
      ...consoleRoutes,
      ...billingRoutes,
      ...deploymentsRoutes,
      ...legalRoutes,
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
