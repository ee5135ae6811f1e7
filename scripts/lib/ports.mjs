// Who holds a TCP port on this machine, in words, so a refusal can say what is in the way.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect } from "node:net";

/** Inodes of sockets listening on `port` (Linux: /proc/net/tcp and tcp6). */
function listeningInodes(port) {
  const inodes = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN.
      if (fields.length > 9 && fields[3] === "0A" && parseInt(fields[1].split(":")[1], 16) === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function processOwning(inodes) {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match && inodes.has(match[1])) {
          const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
          return { pid: Number(pid), command };
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  return undefined;
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const settle = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => settle(false));
    socket.once("connect", () => settle(true));
    socket.once("error", () => resolve(false));
  });
}

/** Null when `port` is free on 127.0.0.1; otherwise `{ pid?, command? }` of what listens on it. */
export async function portHolder(port) {
  const inodes = listeningInodes(port);
  if (inodes.size > 0) return processOwning(inodes) ?? {};
  return (await answers(port)) ? {} : null;
}

/** "pid 123 (java … kafka.Kafka …)", shortened for a one-line message. */
export const describeHolder = (holder) =>
  holder.pid ? `pid ${holder.pid} (${holder.command.length > 110 ? `${holder.command.slice(0, 110)}…` : holder.command})` : "a process this user cannot see";
