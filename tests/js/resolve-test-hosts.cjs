// Preloaded with `node --require`: every host name ending in ".test" resolves to 127.0.0.1,
// the address the test instances listen on. Node's fetch (undici), http/https (axios) and
// the `ws` package all reach the resolver through dns.lookup, looked up at call time.
"use strict";

const dns = require("node:dns");

const LOOPBACK = "127.0.0.1";

function isTestHost(hostname) {
  return typeof hostname === "string" && /\.test\.?$/i.test(hostname);
}

const lookup = dns.lookup;
dns.lookup = function lookupTestHosts(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (!isTestHost(hostname)) {
    return lookup.call(this, hostname, options, callback);
  }
  const all = typeof options === "object" && options !== null && options.all;
  process.nextTick(() => {
    if (all) callback(null, [{ address: LOOPBACK, family: 4 }]);
    else callback(null, LOOPBACK, 4);
  });
  return {};
};

const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async function lookupTestHostsPromise(hostname, options) {
  if (!isTestHost(hostname)) return lookupPromise.call(this, hostname, options);
  const all = typeof options === "object" && options !== null && options.all;
  return all ? [{ address: LOOPBACK, family: 4 }] : { address: LOOPBACK, family: 4 };
};
