// The session a page asks for first (GET /api/auth/session/).
import { Type } from '@fastify/type-provider-typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const SiteSession = Type.Object({
  broker: Type.Object({
    slug: Type.String({ description: "The broker's slug." }),
    full_name: Type.String({ description: "The broker's name, shown at the top of every page." }),
    picture: Nullable(Type.String({ description: "URL of the broker's logo." })),
  }),
  user: Nullable(Type.Object({
    username: Type.String(),
    full_name: Type.String(),
    email: Nullable(Type.String()),
    picture: Nullable(Type.String()),
    is_broker_manager: Type.Boolean({ description: "Whether the user manages the broker (the administrator's console)." }),
  }, { description: 'The logged-in user, or null.' })),
}, { $id: 'SiteSession' });
