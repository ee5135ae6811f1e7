import { badRequests, type BadRequest } from "./bad-requests";
import { urlOf } from "./system";

export interface BadInputReport {
  tried: number;
  fourXx: number;
  fiveXx: number;
  /** Requests whose answer was not a 4xx with a JSON reason, or showed internals. */
  failures: string[];
}

// What would betray internals in an error body: stack frames, SQL, driver or ORM names.
const INTERNALS = /\bat .+\(.+:\d+:\d+\)|\bSELECT\b|\bINSERT\b|\bUPDATE\b|prisma|postgres|node_modules/i;

async function send(request: BadRequest): Promise<string | null> {
  const response = await fetch(`${urlOf(request.service)}${request.path}`, {
    method: request.method,
    headers: request.contentType ? { "content-type": request.contentType } : {},
    body: request.body,
  });
  const text = await response.text();
  const label = `${request.method} ${request.path.slice(0, 80)} (${request.why}) → ${response.status}`;
  if (response.status < 400 || response.status > 499) return `${label}: ${text.slice(0, 200)}`;
  let body: { statusCode?: number; message?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return `${label}: not JSON: ${text.slice(0, 200)}`;
  }
  if (body.statusCode !== response.status || typeof body.message !== "string" || body.message === "") {
    return `${label}: no JSON reason: ${text.slice(0, 200)}`;
  }
  if (INTERNALS.test(text)) return `${label}: shows internals: ${text.slice(0, 200)}`;
  return null;
}

/** Sends `perEndpoint` generated bad requests to every endpoint, a few at a time. */
export async function sendBadRequests(perEndpoint: number, concurrency = 8): Promise<BadInputReport> {
  const requests = badRequests(perEndpoint);
  const report: BadInputReport = { tried: 0, fourXx: 0, fiveXx: 0, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      const failure = await send(request);
      report.tried++;
      if (failure === null) report.fourXx++;
      else {
        if (/→ 5\d\d/.test(failure)) report.fiveXx++;
        report.failures.push(failure);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return report;
}
