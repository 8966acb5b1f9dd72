// Pages loaded when first opened, one script per area (billing, organizations, ...): the
// first page a visitor opens downloads the frame, the log-in pages and its own area, not
// every page of the portal.
import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router';
import { RequireLogin } from './session';

/** The names of a module's exports that are pages: components without props. */
type PageName<M> = { [K in keyof M]: M[K] extends ComponentType<Record<string, never>> ? K : never }[keyof M] & string;

/**
 * Route builders for the pages of one area module (`pages/<area>/pages.ts`), imported once
 * by whichever of its routes is opened first.
 */
export function areaPages<M>(load: () => Promise<M>) {
  const component = async (name: PageName<M>) => (await load())[name] as ComponentType;
  return {
    /** A page anyone may open. */
    page: (name: PageName<M>): Pick<RouteObject, 'lazy'> => ({
      lazy: async () => ({ Component: await component(name) }),
    }),
    /** A page (or a layout of pages) for people logged in; others are sent to log in. */
    loggedIn: (name: PageName<M>): Pick<RouteObject, 'lazy'> => ({
      lazy: async () => {
        const Page = await component(name);
        return { element: <RequireLogin><Page /></RequireLogin> };
      },
    }),
  };
}
