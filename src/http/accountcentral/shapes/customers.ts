// Presenters: customers, their configuration, provisioning jobs, capabilities, as Accountcentral's JSON.
import type { Organization } from '../../../core/organizations/profiles.js';
import type { ProvisioningJob } from '../../../core/organizations/customer-provisioning.js';
import type { CustomerConfiguration, SftpEndpoint } from '../../../core/team/customer-configuration.js';
import type { ApplicationAccess, WorkspaceCounters } from '../../../core/team/customer-activity.js';
import type { CapabilityLogEntry } from '../../../core/team/capabilities.js';

/** An organization's status in the core's words. */
type OrganizationStatus = Organization['status'];

export const STATUS_OF: Record<OrganizationStatus, 'ACTIVE' | 'SUSPENDED' | 'INACTIVE'> = {
  active: 'ACTIVE', suspended: 'SUSPENDED', closed: 'INACTIVE',
};
export const ORGANIZATION_STATUS_OF: Record<'ACTIVE' | 'SUSPENDED' | 'INACTIVE', OrganizationStatus> = {
  ACTIVE: 'active', SUSPENDED: 'suspended', INACTIVE: 'closed',
};

export function customerJson(o: Organization) {
  return {
    groupPk: o.id,
    name: o.full_name,
    address: o.street_address,
    country: o.country,
    phone: o.phone,
    platformResponsible: o.platform_responsible,
    technicalResponsible: o.technical_responsible,
    privacyResponsible: o.privacy_responsible,
    status: STATUS_OF[o.status],
    premium: o.premium,
    gid: o.slug,
    parentGroupPk: o.partner_id,
  };
}

export function jobJson(job: ProvisioningJob) {
  return {
    id: job.id,
    groupPk: job.organizationId,
    operation: job.operation,
    status: job.status,
    actions: job.actions,
    preparedBy: job.preparedBy,
    error: job.error,
    createdAt: job.createdAt.getTime(),
    finishedAt: job.finishedAt ? job.finishedAt.getTime() : null,
  };
}

export function configurationJson(c: CustomerConfiguration) {
  return {
    gid: c.organization.slug,
    apiKey: c.clientId ? { clientId: c.clientId } : null,
    smartRelayEnable: c.smartRelayEnabled,
    genericUsers: c.genericUsers.map((u) => ({ userPk: u.id, username: u.username, email: u.email, creationDate: u.createdAt.getTime() })),
    dataExchanges: c.dataExchanges,
  };
}

export function sftpJson(e: SftpEndpoint) {
  return { host: e.host, port: e.port, username: e.username, path: e.path, authentication: e.authentication };
}

export function accessJson(a: ApplicationAccess) {
  return {
    userPk: a.userId,
    username: a.username,
    name: a.firstName,
    surname: a.lastName,
    email: a.email,
    application: a.application,
    firstAccess: a.firstAccessAt.getTime(),
    lastAccess: a.lastAccessAt.getTime(),
  };
}

export function countersJson(c: WorkspaceCounters) {
  return { data: c.byStatus.map((s) => ({ type: 'NODES' as const, status: s.status, count: s.count })), total: c.total };
}

export function capabilityLogJson(e: CapabilityLogEntry) {
  return {
    id: e.id, capabilityId: e.capabilityId, action: e.action, application: e.application, version: e.version,
    resource: e.resource, role: e.role, by: e.by, date: e.at.getTime(),
  };
}
