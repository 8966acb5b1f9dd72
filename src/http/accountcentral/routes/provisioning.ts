// Accountcentral: provisioning. A customer is deactivated in two durable jobs: a preparation
// that records what would be done, then the deactivation itself (src/core/organizations/customer-provisioning.ts).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createProvisioningJob, getProvisioningJob, listProvisioningJobs,
} from '../../../core/organizations/customer-provisioning.js';
import { AC, PageQuery, Paged, Pk, TAGS, errors, ref } from '../schemas/common.js';
import { AcProvisioningJob } from '../schemas/customers.js';
import { listWindow, pagedJson } from '../shapes/common.js';
import { jobJson } from '../shapes/customers.js';

const JOB_RULES = 'Who may: whoever sits above the customer (its partner\'s managers, the broker\'s), as for suspending it.';

const Operation = Type.Union([Type.Literal('PREPARE_DEACTIVATION'), Type.Literal('DEACTIVATE')], {
  description: '`PREPARE_DEACTIVATION` records what deactivating the customer would do, doing nothing; `DEACTIVATE` does it, and '
    + 'needs a finished preparation of that customer (each preparation serves one deactivation).',
});

export const provisioningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/provisioning/jobs`, {
    schema: {
      operationId: 'acListProvisioningJobs',
      summary: 'get the list of customer provisioning jobs',
      description: 'Returns provisioning jobs, newest first: those of one customer (`groupPk`), or of every customer the caller sits '
        + `above (every one for the broker's managers). Pages start from 0. ${JOB_RULES}`,
      tags: [TAGS.provisioning, TAGS.platform],
      querystring: Type.Object({ groupPk: Type.Optional(Pk('Filter jobs by customer id.')), ...PageQuery }),
      response: { 200: Paged(Type.Unsafe({ $ref: 'AcProvisioningJob' }), 'A page of jobs.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listProvisioningJobs(core, request.caller, request.query.groupPk, { ...window.core, order: [] });
    return pagedJson(page, window, jobJson);
  });

  app.post(`${AC}/provisioning/jobs`, {
    schema: {
      operationId: 'acCreateProvisioningJob',
      summary: 'create a new job',
      description: 'Asks for a job on a customer; it runs in the background and answers at once with status NEW, then RUNNING, then '
        + 'DONE or FAILED (read it with its id). A preparation lists its actions as PLANNED; a deactivation suspends each sub-customer, '
        + 'deepest first, then the customer (their members are refused at once), and suspends the accounts each of them made (their '
        + 'logins refused, their sessions and API keys ended), listing each action DONE or SKIPPED. A DEACTIVATE without a finished '
        + 'preparation is 400 `provisioning.not_prepared`; while another deactivation of the customer waits or runs, 409 '
        + `\`provisioning.in_progress\`. ${JOB_RULES} The job acts as whoever asked: if they lost that power since, it FAILS.`,
      tags: [TAGS.provisioning, TAGS.platform],
      body: Type.Object({
        groupPk: Pk('The customer id.'),
        operation: Operation,
      }, { additionalProperties: false }),
      response: {
        201: ref(AcProvisioningJob, 'The job, waiting to run.'),
        ...errors(400, 401, 403, 404, [409, 'A deactivation of this customer is already under way.']),
      },
    },
  }, async (request, reply) => reply.code(201).send(jobJson(await createProvisioningJob(core, request.caller,
    { groupId: request.body.groupPk, operation: request.body.operation }))));

  app.get(`${AC}/provisioning/jobs/:jobId`, {
    schema: {
      operationId: 'acGetProvisioningJob',
      summary: 'get the job\'s details',
      description: `Returns a job: its status and its actions (planned, done or skipped), and why it failed. ${JOB_RULES}`,
      tags: [TAGS.provisioning, TAGS.platform],
      params: Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 100, description: 'The job unique id.' }) }),
      response: { 200: ref(AcProvisioningJob, 'The job.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => jobJson(await getProvisioningJob(core, request.caller, request.params.jobId)));
};
