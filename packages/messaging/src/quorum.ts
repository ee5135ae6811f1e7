import { connect } from "node:net";

// Which node leads the KRaft controller quorum: the active controller. kafkajs cannot tell: in
// KRaft a broker's Metadata answer names a random live broker as "controller" (clients cannot
// reach the real one), so describeCluster().controller changes from one call to the next. The
// quorum's leader comes from the DescribeQuorum request (API key 55, the one
// kafka-metadata-quorum.sh sends), which a broker forwards to the controllers. kafkajs has no
// such request, so it is written here, version 0, on a plain socket.

const DESCRIBE_QUORUM = 55;
const METADATA_TOPIC = "__cluster_metadata";

export interface QuorumStatus {
  /** The node id of the active controller (the quorum's leader), or -1 while there is none. */
  leaderId: number;
  leaderEpoch: number;
  /** The voters' node ids with how far each has replicated the metadata log. */
  voters: { nodeId: number; logEndOffset: number }[];
}

const uvarint = (n: number): Buffer => {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
};
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const compactString = (s: string) => Buffer.concat([uvarint(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const NO_TAGS = uvarint(0);

/** The request, framed: header v2 (client id a plain nullable string), then the flexible v0 body. */
export function describeQuorumRequest(correlationId: number, clientId: string): Buffer {
  const message = Buffer.concat([
    int16(DESCRIBE_QUORUM),
    int16(0),
    int32(correlationId),
    int16(Buffer.byteLength(clientId)),
    Buffer.from(clientId),
    NO_TAGS,
    // topics: one, the metadata log; partitions: one, 0
    uvarint(2),
    compactString(METADATA_TOPIC),
    uvarint(2),
    int32(0),
    NO_TAGS,
    NO_TAGS,
    NO_TAGS,
  ]);
  return Buffer.concat([int32(message.length), message]);
}

/** Reads a DescribeQuorum v0 response (without its size prefix); throws on a Kafka error code. */
export function parseDescribeQuorumResponse(response: Buffer): QuorumStatus {
  let at = 0;
  const readUvarint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = response[at++]!;
      value |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
      shift += 7;
    }
  };
  // Not `at += readUvarint()`: that reads `at` before the call moves it.
  const skip = (bytes: number) => {
    at += bytes;
  };
  const skipTags = () => {
    for (let tags = readUvarint(); tags > 0; tags--) {
      readUvarint();
      skip(readUvarint());
    }
  };
  const fixed = <T>(bytes: number, read: (offset: number) => T): T => {
    const value = read(at);
    skip(bytes);
    return value;
  };
  const i16 = () => fixed(2, (o) => response.readInt16BE(o));
  const i32 = () => fixed(4, (o) => response.readInt32BE(o));
  const i64 = () => fixed(8, (o) => Number(response.readBigInt64BE(o)));
  const replicas = () => {
    const list: QuorumStatus["voters"] = [];
    for (let n = readUvarint() - 1; n > 0; n--) {
      list.push({ nodeId: i32(), logEndOffset: i64() });
      skipTags();
    }
    return list;
  };
  i32(); // correlation id
  skipTags();
  const error = i16();
  if (error !== 0) throw new Error(`DescribeQuorum failed with Kafka error code ${error}`);
  readUvarint(); // topics: one
  skip(readUvarint() - 1); // its name
  readUvarint(); // partitions: one
  i32(); // partition 0
  const partitionError = i16();
  if (partitionError !== 0) throw new Error(`DescribeQuorum failed with Kafka error code ${partitionError} on ${METADATA_TOPIC}`);
  const leaderId = i32();
  const leaderEpoch = i32();
  i64(); // high watermark
  return { leaderId, leaderEpoch, voters: replicas() };
}

/** Asks one broker; rejects if it does not answer within `timeoutMs`. */
function askBroker(broker: string, timeoutMs: number): Promise<QuorumStatus> {
  const [host, port] = broker.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect({ host: host!, port: Number(port) });
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(new Error(`${broker}: ${error.message}`));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer in ${timeoutMs} ms`)));
    socket.on("error", fail);
    socket.on("connect", () => socket.write(describeQuorumRequest(1, "saga-shop-quorum")));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.end();
      try {
        resolve(parseDescribeQuorumResponse(received.subarray(4)));
      } catch (error) {
        reject(new Error(`${broker}: ${(error as Error).message}`));
      }
    });
  });
}

/** The controller quorum as the first broker of `brokers` that answers sees it. */
export async function describeQuorum(brokers: string[], timeoutMs = 3000): Promise<QuorumStatus> {
  const failures: string[] = [];
  for (const broker of brokers) {
    try {
      return await askBroker(broker, timeoutMs);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  throw new Error(`no broker described the controller quorum (${failures.join("; ")})`);
}
