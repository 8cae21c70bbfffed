/**
 * E-signature identity API simulator: flow start (person / organisation), outline, detail and the
 * token endpoint behind the gateway's signature checks, plus control routes through which a test
 * drives each flow (INIT -> ING -> SUCCESS/FAIL, sub-flows of any type, related flows, expiry,
 * deletion) and (re)sends signed callbacks. Every outline read is counted per flow
 * (`outline:<flowId>`) so tests can see how many polls happened.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONTROL_PREFIX, startSimulator, type RunningSimulator } from '../framework/simulator';
import { checkRequest, TokenIssuer, type AuthRejection } from './auth';
import { CallbackSender } from './callbacks';
import { FlowStore, SIM_CODES, type SimFlow } from './flows';
import { registerUserPages } from './user-page';

export interface EsignSimulatorOptions {
  host?: string;
  port?: number;
  appId: string;
  appSecret: string;
  /** Where callbacks go for flows started without a notify URL. */
  defaultNotifyUrl?: string;
  /** Keep the flows in this file across restarts (the demo's `.data/simulators/`). */
  stateFile?: string;
}

export const ESIGN_CONTROL = `${CONTROL_PREFIX}/esign`;

const subFlowInput = z.object({
  subFlowId: z.string().min(1).optional(),
  subFlowType: z.string().min(1),
  status: z.string().min(1).default('ING'),
});

const relatedFlowInput = z.object({
  flowId: z.string().min(1),
  flowStatus: z.string().min(1),
  objectType: z.string().default('INDIVIDUAL'),
  contextId: z.string().optional(),
  failReason: z.string().nullable().default(null),
  subFlows: z.array(subFlowInput).default([]),
});

const createFlowInput = z.object({
  objectType: z.enum(['INDIVIDUAL', 'ORGANIZATION']).default('INDIVIDUAL'),
  contextId: z.string().min(1).optional(),
  notifyUrl: z.string().optional(),
});

const progressInput = z.object({
  flowStatus: z.enum(['INIT', 'ING', 'SUCCESS', 'FAIL']).optional(),
  failReason: z.string().nullable().optional(),
  failReasonCode: z.string().optional(),
  /** Replaces the sub-flows; `addSubFlows` appends; `subFlowStatus` changes one by id. */
  subFlows: z.array(subFlowInput).optional(),
  addSubFlows: z.array(subFlowInput).optional(),
  subFlowStatus: z.record(z.string(), z.string()).optional(),
  relatedFlows: z.array(relatedFlowInput).optional(),
  /** Send the end-of-flow callback when the flow reaches SUCCESS/FAIL (default true, as the platform does). */
  callback: z.boolean().default(true),
});

const callbackInput = z.object({
  times: z.number().int().min(1).max(20).default(1),
  tamper: z.enum(['none', 'signature', 'stale']).default('none'),
  url: z.string().optional(),
});

const goneInput = z.object({ code: z.number().int().optional() });

const startInput = z.looseObject({
  contextInfo: z
    .looseObject({
      contextId: z.string().optional(),
      notifyUrl: z.string().optional(),
      redirectUrl: z.string().optional(),
    })
    .optional(),
});

function businessAnswer(reply: FastifyReply, code: number, message: string): FastifyReply {
  return reply.code(200).send({ code, message, data: null });
}

export function startEsignSimulator(options: EsignSimulatorOptions): Promise<RunningSimulator> {
  let publicUrl = (): string => '';
  const flows = new FlowStore(() => publicUrl());
  const tokens = new TokenIssuer();
  const callbacks = new CallbackSender(options.appSecret, options.defaultNotifyUrl);
  const credentials = { appId: options.appId, appSecret: options.appSecret };

  const register = (app: FastifyInstance): void => {
    // Links point back at this simulator, wherever it was bound.
    publicUrl = () => {
      const address = app.server.address();
      return address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : '';
    };
    app.sim.keepState(flows);
    app.sim.onReset(() => {
      flows.clear();
      tokens.revokeAll();
      tokens.lifetimeMs = 120 * 60_000;
      callbacks.deliveries.length = 0;
    });

    // Provider routes read the raw body (Content-MD5 covers its exact bytes), so they live in their
    // own encapsulated context with a buffer parser; the framework's control routes keep JSON.
    void app.register((api, _options, registered) => {
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

      const rejectUnauthenticated = (
        rawBody: Buffer,
        request: Parameters<typeof checkRequest>[0],
      ): AuthRejection | undefined => {
        const rejection = checkRequest(request, rawBody, credentials, tokens, Date.now());
        if (rejection) app.sim.count(`rejected:${rejection}`);
        return rejection;
      };

      api.get('/v1/oauth2/access_token', async (request, reply) => {
        const query = request.query as Record<string, string | undefined>;
        if (
          query.appId !== options.appId ||
          query.secret !== options.appSecret ||
          query.grantType !== 'client_credentials'
        ) {
          app.sim.count('rejected:INVALID_APP_SECRET');
          return reply.code(401).send({ code: 401, message: 'INVALID_APP_ID_OR_SECRET' });
        }
        app.sim.count('tokens:issued');
        const issued = tokens.issue(Date.now());
        return {
          code: 0,
          message: 'success',
          data: { token: issued.token, expiresIn: String(issued.expiresAt), refreshToken: '' },
        };
      });

      const startFlow = (objectType: SimFlow['objectType']) => async (request: FastifyRequest, reply: FastifyReply) => {
        const rawBody = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
        const rejection = rejectUnauthenticated(rawBody, request);
        if (rejection) return reply.code(401).send({ code: 401, message: rejection });
        let parsed: z.infer<typeof startInput>;
        try {
          parsed = startInput.parse(JSON.parse(rawBody.toString('utf8')));
        } catch {
          return businessAnswer(reply, 30500100, '参数错误: body must be a JSON object');
        }
        const flow = flows.create({
          objectType,
          contextId: parsed.contextInfo?.contextId,
          notifyUrl: parsed.contextInfo?.notifyUrl ?? null,
        });
        // The caller's opaque request id and the new flow's id: a repeated start shows in the request log.
        app.sim.annotate(request, { flowId: flow.flowId, ...(flow.contextId ? { contextId: flow.contextId } : {}) });
        return {
          code: 0,
          message: '成功',
          data: { flowId: flow.flowId, shortLink: flow.shortLink, url: flow.authUrl },
        };
      };
      // Before any injected fault answers: the caller's opaque request id, so the request log can
      // tell one request's start attempts from another's.
      api.addHook('preValidation', (request, _reply, done) => {
        if (request.url.startsWith('/v2/identity/auth/web/') && Buffer.isBuffer(request.body)) {
          try {
            const contextId = (JSON.parse(request.body.toString('utf8')) as { contextInfo?: { contextId?: unknown } })
              .contextInfo?.contextId;
            if (typeof contextId === 'string') app.sim.annotate(request, { contextId });
          } catch {
            // Not JSON: the route answers it.
          }
        }
        done();
      });
      api.post('/v2/identity/auth/web/indivAuthUrl', startFlow('INDIVIDUAL'));
      api.post('/v2/identity/auth/web/orgAuthUrl', startFlow('ORGANIZATION'));

      const readFlow =
        (view: 'outline' | 'detail') =>
        async (request: FastifyRequest<{ Params: { flowId: string } }>, reply: FastifyReply) => {
          const rejection = rejectUnauthenticated(Buffer.alloc(0), request);
          if (rejection) return reply.code(401).send({ code: 401, message: rejection });
          app.sim.count(`${view}:${request.params.flowId}`);
          const flow = flows.get(request.params.flowId);
          if (!flow) return businessAnswer(reply, SIM_CODES.notFound, '认证流程不存在');
          if (flow.goneCode !== null) return businessAnswer(reply, flow.goneCode, goneMessage(flow.goneCode));
          return { code: 0, message: '成功', data: view === 'outline' ? flows.outline(flow) : flows.detail(flow) };
        };
      api.get('/v2/identity/auth/api/common/:flowId/outline', readFlow('outline'));
      api.get('/v2/identity/auth/api/common/:flowId/detail', readFlow('detail'));
      registered();
    });

    /** Applies one change to a flow; sends the end-of-flow callback when it has just ended. */
    const applyProgress = async (flow: SimFlow, change: z.output<typeof progressInput>) => {
      const wasFinal = flow.flowStatus === 'SUCCESS' || flow.flowStatus === 'FAIL';
      if (change.flowStatus) flow.flowStatus = change.flowStatus;
      if (change.failReason !== undefined) flow.failReason = change.failReason;
      if (change.failReasonCode !== undefined) flow.failReasonCode = change.failReasonCode;
      const toSubFlow = (subFlow: z.infer<typeof subFlowInput>, index: number) => ({
        subFlowId: subFlow.subFlowId ?? `${flow.flowId}-sub-${flow.subFlows.length + index + 1}`,
        subFlowType: subFlow.subFlowType,
        status: subFlow.status,
      });
      if (change.subFlows) flow.subFlows = [];
      flow.subFlows.push(...[...(change.subFlows ?? []), ...(change.addSubFlows ?? [])].map(toSubFlow));
      for (const [subFlowId, status] of Object.entries(change.subFlowStatus ?? {})) {
        const subFlow = flow.subFlows.find((candidate) => candidate.subFlowId === subFlowId);
        if (subFlow) subFlow.status = status;
      }
      if (change.relatedFlows) {
        flow.relatedFlows = change.relatedFlows.map((related) => ({
          ...related,
          contextId: related.contextId ?? flow.contextId,
          subFlows: related.subFlows.map((subFlow, index) => ({
            subFlowId: subFlow.subFlowId ?? `${related.flowId}-sub-${index + 1}`,
            subFlowType: subFlow.subFlowType,
            status: subFlow.status,
          })),
        }));
      }
      flow.modifyTime = Date.now();
      const isFinal = flow.flowStatus === 'SUCCESS' || flow.flowStatus === 'FAIL';
      return change.callback && isFinal && !wasFinal ? [await callbacks.send(flow)] : [];
    };

    // ---- control routes: a test plays the user and the platform -------------------------------
    const withFlow = (flowId: string, reply: FastifyReply): SimFlow | undefined => {
      const flow = flows.get(flowId);
      if (!flow) void reply.code(404).send({ error: `no flow ${flowId}` });
      return flow;
    };

    app.post(`${ESIGN_CONTROL}/flows`, async (request, reply) => {
      const input = createFlowInput.safeParse(request.body ?? {});
      if (!input.success) return reply.code(400).send({ error: input.error.issues });
      const flow = flows.create({ ...input.data, notifyUrl: input.data.notifyUrl ?? null });
      return reply.code(201).send({ flowId: flow.flowId, url: flow.authUrl, shortLink: flow.shortLink });
    });

    app.get<{ Params: { flowId: string } }>(`${ESIGN_CONTROL}/flows/:flowId`, async (request, reply) => {
      const flow = withFlow(request.params.flowId, reply);
      if (!flow) return reply;
      return { ...flow, outlineReads: app.sim.counters.get(`outline:${flow.flowId}`) ?? 0 };
    });

    app.post<{ Params: { flowId: string } }>(`${ESIGN_CONTROL}/flows/:flowId/progress`, async (request, reply) => {
      const flow = withFlow(request.params.flowId, reply);
      if (!flow) return reply;
      const input = progressInput.safeParse(request.body ?? {});
      if (!input.success) return reply.code(400).send({ error: input.error.issues });
      const deliveries = await applyProgress(flow, input.data);
      return { flow: flows.outline(flow), deliveries };
    });

    // The user's link: a small page where a person moves the flow on, as the platform's own pages would.
    registerUserPages(app, {
      flows,
      progress: (flow, change) => applyProgress(flow, progressInput.parse(change)),
    });

    app.post<{ Params: { flowId: string } }>(`${ESIGN_CONTROL}/flows/:flowId/expire`, async (request, reply) => {
      const flow = withFlow(request.params.flowId, reply);
      if (!flow) return reply;
      flow.goneCode = SIM_CODES.expired;
      return { flowId: flow.flowId, code: flow.goneCode };
    });

    /** Makes the outline answer a business code: `{ code }` defaults to 30500004 (not found). */
    app.post<{ Params: { flowId: string } }>(`${ESIGN_CONTROL}/flows/:flowId/gone`, async (request, reply) => {
      const flow = withFlow(request.params.flowId, reply);
      if (!flow) return reply;
      const input = goneInput.safeParse(request.body ?? {});
      if (!input.success) return reply.code(400).send({ error: input.error.issues });
      flow.goneCode = input.data.code ?? SIM_CODES.notFound;
      return { flowId: flow.flowId, code: flow.goneCode };
    });

    app.delete<{ Params: { flowId: string } }>(`${ESIGN_CONTROL}/flows/:flowId`, async (request, reply) => {
      const flow = withFlow(request.params.flowId, reply);
      if (!flow) return reply;
      flow.goneCode = SIM_CODES.notFound;
      return reply.code(204).send();
    });

    /** (Re)sends the flow's callback `times` times, optionally tampered; answers every delivery. */
    app.post<{ Params: { flowId: string } }>(`${ESIGN_CONTROL}/flows/:flowId/callbacks`, async (request, reply) => {
      const flow = withFlow(request.params.flowId, reply);
      if (!flow) return reply;
      const input = callbackInput.safeParse(request.body ?? {});
      if (!input.success) return reply.code(400).send({ error: input.error.issues });
      const deliveries = [];
      for (let i = 0; i < input.data.times; i++)
        deliveries.push(await callbacks.send(flow, input.data.tamper, input.data.url));
      return { deliveries };
    });

    app.get(`${ESIGN_CONTROL}/callbacks`, () => Promise.resolve({ deliveries: callbacks.deliveries }));

    app.post(`${ESIGN_CONTROL}/tokens`, async (request, reply) => {
      const input = z
        .object({ lifetimeMs: z.number().int().positive().optional(), revoke: z.boolean().default(false) })
        .safeParse(request.body ?? {});
      if (!input.success) return reply.code(400).send({ error: input.error.issues });
      if (input.data.lifetimeMs) tokens.lifetimeMs = input.data.lifetimeMs;
      if (input.data.revoke) tokens.revokeAll();
      return { lifetimeMs: tokens.lifetimeMs };
    });
  };

  return startSimulator({
    name: 'esign',
    host: options.host,
    port: options.port,
    stateFile: options.stateFile,
    register,
  });
}

function goneMessage(code: number): string {
  switch (code) {
    case SIM_CODES.expired:
      return '认证流程已过期';
    case SIM_CODES.ended:
      return '认证流程已结束';
    case SIM_CODES.attemptLimit:
      return '认证次数超过上限';
    default:
      return '认证流程不存在';
  }
}

export { EsignControl, type FlowChange, type SubFlowChange } from './control';
export type { CallbackDelivery, CallbackTamper } from './callbacks';
