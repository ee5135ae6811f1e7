// `pnpm start --instances payment=3,user=2`: how many processes of each service to run. They
// share the service's database and consumer group; instance k listens 10 × (k - 1) above the
// service's port (payment-2 on 3013, its participant API on 3113), as the tests' second
// instances do (e2e/support/system.ts), and is named <service>-k in its logs (INSTANCE_NAME).

/** At most 10: an 11th would listen 100 above the first, on the participant APIs' ports. */
export const MAX_INSTANCES = 10;

/**
 * The number of instances of each service from `--instances a=n,b=m` (or `--instances=a=n,...`)
 * among `args`; 1 for every service not named. Throws, saying what is wrong, on a bad value.
 */
export function instancesFromArgs(args, services) {
  const counts = Object.fromEntries(services.map((s) => [s, 1]));
  const at = args.findIndex((a) => a === "--instances" || a.startsWith("--instances="));
  if (at < 0) return counts;
  const value = args[at].startsWith("--instances=") ? args[at].slice("--instances=".length) : args[at + 1];
  const usage = `--instances wants service=count pairs, e.g. --instances payment=3,user=2 (services: ${services.join(", ")}; 1 to ${MAX_INSTANCES} each)`;
  if (!value || value.startsWith("--")) throw new Error(`${usage}; got nothing`);
  for (const pair of value.split(",")) {
    const [service, count, ...rest] = pair.trim().split("=");
    if (!services.includes(service) || rest.length || !/^\d+$/.test(count ?? "") || Number(count) < 1 || Number(count) > MAX_INSTANCES) {
      throw new Error(`${usage}; got "${pair}"`);
    }
    counts[service] = Number(count);
  }
  return counts;
}

/** The arguments `--instances` took, so that the caller can refuse any other it does not know. */
export function withoutInstances(args) {
  const at = args.findIndex((a) => a === "--instances" || a.startsWith("--instances="));
  if (at < 0) return args;
  return args.filter((_, i) => i !== at && !(i === at + 1 && args[at] === "--instances"));
}

/** Instance k (from 1) of a service that runs `count`: its name, and how far above the service's port it listens. */
export const instanceOf = (service, k, count) => ({ name: count === 1 ? service : `${service}-${k}`, portOffset: (k - 1) * 10 });
