// Keeps the Node client tests on loopback: every TCP connection goes to 127.0.0.1 or ::1, else the process
// throws before a byte leaves the machine. Loaded with --require, before the test's own code.
"use strict";
const net = require("node:net");

const connected = [];
const original = net.Socket.prototype.connect;

function target(args) {
  const first = args[0];
  if (Array.isArray(first)) return target(first);
  if (first && typeof first === "object") return { host: first.host ?? "localhost", port: first.port, path: first.path };
  if (typeof first === "number" || /^\d+$/.test(String(first))) return { host: args[1] ?? "localhost", port: first };
  return { path: first };
}

net.Socket.prototype.connect = function (...args) {
  const t = target(args);
  if (t.path === undefined) {
    const host = String(t.host).replace(/^\[|\]$/g, "");
    if (!["127.0.0.1", "::1", "localhost"].includes(host)) {
      throw new Error(`guard: connection to non-loopback host ${host}:${t.port} refused`);
    }
    connected.push(`${host}:${t.port}`);
  }
  return original.apply(this, args);
};

globalThis.__connected = connected;
