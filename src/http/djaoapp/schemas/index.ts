// Every named shape of the native API. The surface adds each with addSchema, so routes
// refer to them (`ref(Organization)`) and OpenAPI lists them under components.schemas.
import type { TSchema } from '@fastify/type-provider-typebox';
import { Asset, CssVariable, ThemePackageUpload } from './themes.js';
import { Detail, ErrorBody, TokenBody } from './common.js';
import { AccountBrief, Organization, OrganizationDetail, OrganizationEvent, OrganizationProfile, OrganizationSubscription, Quotas, UserContact } from './organizations.js';
import { AdvanceDiscount, Plan, ProfileBrief, Subscriber, Subscription } from './plans.js';
import { Activity, PersonalInfo, Preferences, SecurityEvent, Session, User, UserProfile, UserStatus } from './users.js';
import { Charge, Transaction } from './ledger.js';
import { Bank, Card } from './payment-methods.js';
import { CartItem, Coupon, SeatRow, SeatUpload } from './cart.js';
import { Checkout, CheckoutSubscription } from './checkout.js';
import { SiteSession } from './site.js';
import { Agreement, AgreementBrief } from './legal.js';
import { Accessible, BlockedRequester, Domain, Grant, Role, RoleDescription, RoleDescriptionWithRoles } from './roles.js';

export const SHARED_SCHEMAS: TSchema[] = [
  SiteSession, ThemePackageUpload, Asset, CssVariable,
  ErrorBody, Detail, TokenBody,
  Organization, OrganizationProfile, OrganizationDetail, OrganizationSubscription, Quotas, OrganizationEvent, AccountBrief, UserContact,
  User, UserProfile, Activity, Session, UserStatus, PersonalInfo, Preferences, SecurityEvent,
  RoleDescription, RoleDescriptionWithRoles, Role, Grant, Accessible, BlockedRequester, Domain,
  Transaction, Charge,
  Card, Bank,
  Coupon, CartItem, SeatRow, SeatUpload,
  ProfileBrief, AdvanceDiscount, Plan, Subscription, Subscriber,
  CheckoutSubscription, Checkout,
  AgreementBrief, Agreement,
];
