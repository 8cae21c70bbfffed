/**
 * The page behind a flow's user link (`authUrl`, and the short link that redirects to it): what
 * the platform shows the person being verified. Here it is a small HTML page with three buttons
 * (start the checks, finish them, decline) so the UI story can be shown end to end by hand; each
 * button moves the flow on exactly as the control route does, including the signed callback.
 */
import type { FastifyInstance } from 'fastify';
import type { FlowStore, SimFlow } from './flows';

export const USER_PAGE_STEPS = {
  start: { flowStatus: 'ING', addSubFlows: [{ subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' }] },
  finish: { flowStatus: 'SUCCESS' },
  decline: { flowStatus: 'FAIL', failReason: 'declined by the user on the verification page' },
} as const;
type Step = keyof typeof USER_PAGE_STEPS;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(flow: SimFlow, note?: string): string {
  const final = flow.flowStatus === 'SUCCESS' || flow.flowStatus === 'FAIL';
  const button = (step: Step, label: string, enabled: boolean) =>
    `<form method="post" action="/web/identity/auth/${flow.flowId}?step=${step}">` +
    `<button type="submit"${enabled ? '' : ' disabled'}>${label}</button></form>`;
  const subFlows =
    flow.subFlows.map((sub) => `<li>${escapeHtml(sub.subFlowType)}: ${escapeHtml(sub.status)}</li>`).join('') ||
    '<li>none yet</li>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Identity verification (simulator)</title>
<style>body{font-family:sans-serif;max-width:36em;margin:2em auto}form{display:inline-block;margin-right:.5em}</style>
</head><body>
<h1>Identity verification</h1>
<p>E-signature <strong>simulator</strong>: this page stands in for the platform's verification pages.</p>
<p>Flow <code>${escapeHtml(flow.flowId)}</code>: status <strong id="status">${escapeHtml(flow.flowStatus)}</strong>${
    flow.failReason ? ` (${escapeHtml(flow.failReason)})` : ''
  }</p>
<ul>${subFlows}</ul>
${note ? `<p id="note">${escapeHtml(note)}</p>` : ''}
${button('start', 'Start the checks', flow.flowStatus === 'INIT')}
${button('finish', 'Finish: verified', !final)}
${button('decline', 'Decline', !final)}
</body></html>`;
}

export function registerUserPages(
  app: FastifyInstance,
  options: {
    flows: FlowStore;
    /** Applies a change as the control route does; resolves to the callback deliveries it made. */
    progress(flow: SimFlow, change: unknown): Promise<Array<{ status: number | null }>>;
  },
): void {
  const { flows } = options;
  // The page's buttons post an empty form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  app.get<{ Params: { flowId: string } }>('/web/identity/auth/:flowId', async (request, reply) => {
    const flow = flows.get(request.params.flowId);
    if (!flow) return reply.code(404).type('text/html').send('<!doctype html><p>No such verification flow.</p>');
    return reply.type('text/html; charset=utf-8').send(page(flow));
  });

  app.post<{ Params: { flowId: string }; Querystring: { step?: string } }>(
    '/web/identity/auth/:flowId',
    async (request, reply) => {
      const flow = flows.get(request.params.flowId);
      if (!flow) return reply.code(404).type('text/html').send('<!doctype html><p>No such verification flow.</p>');
      const step = request.query.step;
      if (step !== 'start' && step !== 'finish' && step !== 'decline') {
        return reply.code(400).type('text/html').send(page(flow, 'Unknown step.'));
      }
      const deliveries = await options.progress(flow, USER_PAGE_STEPS[step]);
      // Post/redirect/get, so a reload does not post again.
      const note = deliveries.length ? `?callback=${deliveries[0]?.status ?? 'none'}` : '';
      return reply.redirect(`/web/identity/auth/${flow.flowId}${note}`, 303);
    },
  );

  app.get<{ Params: { code: string } }>('/s/:code', async (request, reply) => {
    const flow = flows.all().find((candidate) => candidate.flowId.endsWith(request.params.code));
    if (!flow) return reply.code(404).type('text/html').send('<!doctype html><p>No such verification flow.</p>');
    return reply.redirect(`/web/identity/auth/${flow.flowId}`, 302);
  });
}
