// /api/cart/...: the plans a visitor means to buy. Anyone may fill a cart: a logged-in
// user's is kept in the database, an anonymous visitor's in a cookie until they log in.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import {
  addToCart, listCart, redeemCoupon, removeFromCart, uploadSeats,
} from '../../../core/billing/cart.js';
import { DomainError, Invalid } from '../../../core/errors.js';
import { cartCookieItems, writeCartCookie } from '../../cart-cookie.js';
import { NoContent, Slug, errors, ref } from '../schemas/common.js';
import { CartItem, CartItemCreate, SeatUpload } from '../schemas/cart.js';
import { cartItemJson } from '../shapes/cart.js';

const TAGS = ['cart'];
/** The CSV of one upload: 1000 rows of names and e-mail addresses fit well within. */
const MAX_UPLOAD_BYTES = 1_000_000;

const CartItems = (description: string) => Type.Array(ref(CartItem), { description });

export const cartRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;
  // Only this plugin reads multipart bodies (the CSV upload); every other route takes JSON.
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 11 } });

  app.get('/cart/', {
    schema: {
      operationId: 'listCart',
      tags: TAGS,
      summary: 'Lists the items in a cart',
      description: 'Not in DjaoApp 0.12 (where the cart is write-only). The items waiting in the caller\'s cart, by plan then age: a logged-in user\'s, or an anonymous visitor\'s (kept in a cookie). A user\'s items of plans withdrawn from sale since stay listed (checkout refuses them: remove them); a visitor\'s are dropped.',
      security: [],
      response: { 200: CartItems('The items in the cart.'), ...errors(400) },
    },
  }, async (request, reply) => {
    const { result, anonymous } = await listCart(core, request.caller, cartCookieItems(request));
    writeCartCookie(reply, config, anonymous);
    return result.map(cartItemJson);
  });

  app.post('/cart/', {
    schema: {
      operationId: 'addToCart',
      tags: TAGS,
      summary: 'Adds an item into a cart',
      description: 'Puts a plan (or a list of items, all or none) in the caller\'s cart, logged in or not: a logged-in user\'s cart is kept in the database, an anonymous visitor\'s in a cookie that joins their cart when they log in. The plan must be for sale. An item of the same plan for the same beneficiary is updated rather than added twice. With full_name, email and sync_on, the subscription is for someone else, paid by the organization that checks out (GroupBuy). Answers the item (or the list of items) as now in the cart.',
      security: [],
      body: Type.Union([CartItemCreate, Type.Array(CartItemCreate, { minItems: 1, maxItems: 100 })], { description: 'One item or a list of items.' }),
      response: {
        200: Type.Union([ref(CartItem), CartItems('')], { description: 'The item in the cart (a list when a list was sent).' }),
        ...errors(400),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const { result, anonymous } = await addToCart(core, request.caller, Array.isArray(body) ? body : [body], cartCookieItems(request));
    writeCartCookie(reply, config, anonymous);
    return Array.isArray(body) ? result.map(cartItemJson) : cartItemJson(result[0]!);
  });

  app.delete('/cart/', {
    schema: {
      operationId: 'removeFromCart',
      tags: TAGS,
      summary: 'Removes an item from a cart',
      description: 'Removes from the caller\'s cart the items of `plan`, or those for the beneficiary `email`, or those matching both; with neither, empties the cart. Removing what is not in the cart changes nothing; an unknown plan is a 404.',
      security: [],
      querystring: Type.Object({
        plan: Type.Optional(Type.String({ ...Slug, description: 'Slug of the plan whose items go.' })),
        email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'E-mail address of the beneficiary whose items go.' })),
      }),
      response: { 204: NoContent('Removed.'), ...errors(400, 404) },
    },
  }, async (request, reply) => {
    const { anonymous } = await removeFromCart(core, request.caller, request.query, cartCookieItems(request));
    writeCartCookie(reply, config, anonymous);
    return reply.code(204).send(null);
  });

  app.post('/cart/redeem/', {
    schema: {
      operationId: 'redeemCoupon',
      tags: TAGS,
      summary: 'Redeems a discount code',
      description: 'Applies a coupon to every item of the caller\'s cart it fits: a plan of the coupon\'s provider (the one plan it is restricted to, if any), before it expires, while uses are left. Redeeming takes one use of the coupon, whatever the number of items; an anonymous visitor\'s use is counted when their cart joins their account at login. 400 when it fits no item.',
      security: [],
      body: Type.Object({
        code: Type.String({ minLength: 1, maxLength: 50, description: 'Coupon code to redeem.' }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ detail: Type.String() }, { description: 'The coupon was applied.' }), ...errors(400) },
    },
  }, async (request, reply) => {
    const { result, anonymous } = await redeemCoupon(core, request.caller, request.body.code, cartCookieItems(request));
    writeCartCookie(reply, config, anonymous);
    return result;
  });

  app.post('/cart/:plan/upload/', {
    schema: {
      operationId: 'uploadCartSeats',
      tags: TAGS,
      summary: 'Uploads multiple discount codes into a cart',
      description: 'Puts plan {plan} in the caller\'s cart once per person of a CSV file sent as multipart/form-data in a part named `file` (at most 1 MB, 1000 rows): no header line, each row first_name,last_name,email (or full_name,email). Each person becomes a GroupBuy item for their e-mail address; a person already in the cart is updated. Rows that cannot be read are listed in `failed` with the reason, the others go in. Send it with the Authorization header: a request authenticated by the session cookie must be JSON.',
      params: Type.Object({ plan: Type.String({ ...Slug, description: 'Slug of the plan.' }) }),
      // Documents the multipart body; the handler reads the part itself. Without a `type`
      // the schema accepts the body Fastify leaves undefined for a multipart request.
      body: { content: { 'multipart/form-data': { schema: Type.Unsafe({
        properties: { file: { type: 'string', format: 'binary', description: 'The CSV file: no header line; first_name,last_name,email on each row.' } },
        required: ['file'],
      }) } } },
      response: { 200: ref(SeatUpload, 'What became of each row.'), ...errors(400, 401, 404, 413, 415) },
    },
  }, async (request) => {
    if (!request.isMultipart()) throw new Invalid('file', 'Send the CSV file as multipart/form-data, in a part named "file".');
    let bytes: Buffer;
    try {
      const part = await request.file();
      if (!part || part.fieldname !== 'file') throw new Invalid('file', 'Send the CSV file in a part named "file".');
      bytes = await part.toBuffer();
    } catch (error) {
      // The parser's limits are 413s the error handlers answer; anything else it throws (no
      // boundary, a body cut short, a broken part header) is a body the client got wrong.
      if (error instanceof DomainError || (error as { statusCode?: number }).statusCode === 413) throw error;
      throw new Invalid('file', 'The multipart/form-data body could not be read: check its boundary and the "file" part.');
    }
    let csv: string;
    try {
      csv = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Invalid('file', 'The file must be text encoded in UTF-8.');
    }
    return uploadSeats(core, request.caller, request.params.plan, csv);
  });
};
