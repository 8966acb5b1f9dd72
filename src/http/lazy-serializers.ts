// Response serializers built on a route's first answer instead of at start. Building all
// of them (fast-json-stringify checks and compiles each schema, several per route, over
// 450 routes) was most of the time from start to ready; most routes of a node never
// answer with most of their statuses. The serializer built is the one Fastify would build;
// a schema it cannot compile fails that answer (a 500), which test/service/fuzz.test.ts,
// calling every operation, would show.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type RouteDefinition = Parameters<ReturnType<ReturnType<typeof SerializerSelector>>>[0];
type Serializer = (document: unknown) => string;

const buildDefault = SerializerSelector();

/** A `schemaController.compilersFactory.buildSerializer` for Fastify's constructor. */
export function lazySerializers(...factoryArgs: Parameters<typeof buildDefault>): (route: RouteDefinition) => Serializer {
  let compiler: ReturnType<typeof buildDefault> | null = null;
  return (route) => {
    let serialize: Serializer | null = null;
    return (document) => {
      if (!serialize) {
        compiler ??= buildDefault(...factoryArgs);
        serialize = compiler(route);
      }
      return serialize(document);
    };
  };
}
