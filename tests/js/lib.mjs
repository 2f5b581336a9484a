// Helpers shared by the client-library scenarios: the scenario input, polling, and the
// JSON result printed on stdout for the Python test to check.

export const SCOPES = "read write follow push";
export const OOB = "urn:ietf:wg:oauth:2.0:oob";

/** The scenario input: the JSON document given as the first argument. */
export function input() {
  if (!process.argv[2]) throw new Error("usage: node <scenario>.mjs '<json input>'");
  return JSON.parse(process.argv[2]);
}

/** Poll `probe` until it returns something truthy; fail after `timeout` ms. */
export async function waitFor(what, probe, { timeout = 10000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Collect the events a listener is handed, and wait for one that matches. */
export class Inbox {
  events = [];
  #waiters = [];

  push(event) {
    this.events.push(event);
    for (const waiter of this.#waiters.filter(({ match }) => match(event))) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  }

  next(what, match, timeout = 10000) {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeout);
      this.#waiters.push({ match, resolve: (event) => (clearTimeout(timer), resolve(event)) });
    });
  }
}

/** Run a scenario: print its result as one JSON document, or the error and exit 1. */
export async function run(scenario) {
  try {
    const result = await scenario(input());
    // exit explicitly: a library may keep sockets or reconnect timers alive
    process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
  } catch (err) {
    process.stderr.write(`${err?.stack ?? err}\n`);
    if (err?.response?.data) process.stderr.write(`response: ${JSON.stringify(err.response.data)}\n`);
    process.exit(1);
  }
}

/** The fields of a status the checks look at. */
export function brief(status) {
  return {
    id: status.id,
    uri: status.uri,
    content: status.content,
    visibility: status.visibility,
    spoiler_text: status.spoiler_text ?? status.spoilerText,
    in_reply_to_id: status.in_reply_to_id ?? status.inReplyToId ?? null,
    acct: status.account.acct,
  };
}
