// The theme's shapes (/api/themes/): what an upload answers and the site's CSS as an asset.
import { Type } from '@fastify/type-provider-typebox';

export const ThemePackageUpload = Type.Object({
  location: Type.String({ description: 'URL of the theme\'s CSS, served to every page after the portal\'s own.' }),
  files: Type.Array(Type.String(), { description: 'The files the theme now holds (site.css, assets/..., email/...).' }),
}, { $id: 'ThemePackageUpload' });

export const Asset = Type.Object({
  location: Type.String({ description: 'URL where the asset content is served.' }),
  updated_at: Type.String({ format: 'date-time', description: 'When the content last changed.' }),
  tags: Type.Array(Type.String(), { description: 'Tags (none are set by the service).' }),
}, { $id: 'Asset' });

export const CssVariable = Type.Object({
  name: Type.String({ description: 'The variable, used in CSS as `var(--<name>)`.' }),
  value: Type.String({ description: 'Its CSS value.' }),
  created_at: Type.String({ format: 'date-time', description: 'When it was first set.' }),
  updated_at: Type.String({ format: 'date-time', description: 'When it last changed.' }),
}, { $id: 'CssVariable' });
