// Each service reads its settings once, at start; a bad setting stops it with a message that
// names the setting, rather than a service that half-works.
import { hostname } from "node:os";
import { listSetting, loadConfig } from "./config";

describe("loadConfig", () => {
  test("given an empty environment, when the payment service loads its config, then it gets the local defaults", () => {
    expect(loadConfig("payment", {})).toEqual({
      service: "payment",
      instance: "payment",
      host: "127.0.0.1",
      port: 3003,
      databaseUrl: "postgresql://payment_service:payment_service@127.0.0.1:5433/payment_service",
      kafkaBrokers: ["127.0.0.1:9092"],
      logLevel: "info",
      logPretty: false,
      twoPhaseCommit: { token: null, participantPort: 3103 },
      settings: {},
    });
  });

  test.each(["order", "user", "payment", "delivery"] as const)(
    "given no DATABASE_URL, when the %s service loads its config, then it uses its own local database and role",
    (service) => {
      const role = `${service}_service`;
      expect(loadConfig(service, {}).databaseUrl).toBe(`postgresql://${role}:${role}@127.0.0.1:5433/${role}`);
    },
  );

  test("given every setting in the environment, when loaded, then each one overrides its default", () => {
    const config = loadConfig("order", {
      HOST: "0.0.0.0",
      PORT: "8080",
      DATABASE_URL: "postgresql://u:p@db:5432/orders",
      KAFKA_BROKERS: "kafka-1:9092, kafka-2:9092 ,,",
      LOG_LEVEL: "debug",
      LOG_PRETTY: "true",
      TWO_PHASE_COMMIT_TOKEN: "a-secret-of-sixteen-chars",
      PARTICIPANT_PORT: "9100",
      INSTANCE_NAME: "order-2",
    });
    expect(config).toEqual({
      service: "order",
      instance: "order-2",
      host: "0.0.0.0",
      port: 8080,
      databaseUrl: "postgresql://u:p@db:5432/orders",
      kafkaBrokers: ["kafka-1:9092", "kafka-2:9092"],
      logLevel: "debug",
      logPretty: true,
      twoPhaseCommit: { token: "a-secret-of-sixteen-chars", participantPort: 9100 },
      settings: {},
    });
  });

  test.each([
    ["1", true],
    ["true", true],
    ["0", false],
    ["yes", false],
  ])("given LOG_PRETTY=%s, when loaded, then pretty logging is %s", (value, expected) => {
    expect(loadConfig("user", { LOG_PRETTY: value }).logPretty).toBe(expected);
  });

  test("given an empty PORT, when loaded, then the default port is used", () => {
    expect(loadConfig("user", { PORT: "" }).port).toBe(3002);
  });

  test("given PORT=0 (any free port) or 65535, when loaded, then it is accepted", () => {
    expect(loadConfig("user", { PORT: "0" }).port).toBe(0);
    expect(loadConfig("user", { PORT: "65535" }).port).toBe(65535);
  });

  test.each(["abc", "80.5", "-1", "65536", "3000abc"])("given PORT=%s, when loaded, then it fails with an error naming PORT and the bad value", (port) => {
    expect(() => loadConfig("delivery", { PORT: port })).toThrow(`PORT must be an integer from 0 to 65535, got "${port}"`);
  });

  test("given no env argument, when loaded, then process.env is read", () => {
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "warn";
    try {
      expect(loadConfig("order").logLevel).toBe("warn");
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });
});

describe("the two-phase commit's participant API", () => {
  test("given no PARTICIPANT_PORT, then it listens 100 above the public port", () => {
    expect(loadConfig("user", { PORT: "4002" }).twoPhaseCommit.participantPort).toBe(4102);
  });

  test("given a token shorter than 16 characters, then loading fails: the token is the API's only lock", () => {
    expect(() => loadConfig("user", { TWO_PHASE_COMMIT_TOKEN: "short" })).toThrow(/at least 16 characters/);
  });
});

describe("an instance of a service", () => {
  test("given INSTANCE_NAME, then it names this instance; without, the service's name does", () => {
    expect(loadConfig("payment", { INSTANCE_NAME: "payment-3" }).instance).toBe("payment-3");
    expect(loadConfig("payment", { INSTANCE_NAME: "" }).instance).toBe("payment");
  });

  test("given {hostname} in INSTANCE_NAME (compose replicas: the container's id), then it is this machine's name", () => {
    expect(loadConfig("payment", { INSTANCE_NAME: "payment@{hostname}" }).instance).toBe(`payment@${hostname()}`);
  });

  test.each(["payment 2", "payment/2", "x".repeat(61)])("given INSTANCE_NAME=%j, then loading fails naming the setting", (name) => {
    expect(() => loadConfig("payment", { INSTANCE_NAME: name })).toThrow(/INSTANCE_NAME must be/);
  });
});

describe("a service's own settings", () => {
  test("given a reader, when loaded, then its result is the config's settings, read from the same environment", () => {
    const config = loadConfig("delivery", { SERVED_COUNTRIES: "KR,JP" }, (env) => ({ served: env.SERVED_COUNTRIES?.split(",") }));
    expect(config.settings).toEqual({ served: ["KR", "JP"] });
  });

  test("given a reader that refuses a value, when loaded, then loading fails with its message", () => {
    const refuse = () => {
      throw new Error("SERVED_COUNTRIES: not a country code: kr");
    };
    expect(() => loadConfig("delivery", {}, refuse)).toThrow("SERVED_COUNTRIES: not a country code: kr");
  });

  test("given no port in the environment, when each service loads, then it takes its port from the saga map", () => {
    expect(["order", "user", "payment", "delivery"].map((s) => loadConfig(s as never, {}).port)).toEqual([3001, 3002, 3003, 3004]);
  });
});

describe("listSetting", () => {
  test("given the setting is absent, then the fallback is used", () => {
    expect(listSetting({}, "SERVED_COUNTRIES", ["US"])).toEqual(["US"]);
  });

  test("given the setting is empty, then the fallback is used", () => {
    expect(listSetting({ SERVED_COUNTRIES: "" }, "SERVED_COUNTRIES", ["US"])).toEqual(["US"]);
  });

  test("given a comma-separated list with spaces and empty entries, then it is the trimmed, non-empty entries in order", () => {
    expect(listSetting({ SERVED_COUNTRIES: " GB, AQ ,,NZ, " }, "SERVED_COUNTRIES", ["US"])).toEqual(["GB", "AQ", "NZ"]);
  });

  test("given a single value, then it is a list of one", () => {
    expect(listSetting({ SERVED_COUNTRIES: "KR" }, "SERVED_COUNTRIES", ["US"])).toEqual(["KR"]);
  });

  test("it reads the named setting, not another", () => {
    expect(listSetting({ OTHER: "X" }, "SERVED_COUNTRIES", ["US"])).toEqual(["US"]);
  });
});

describe("settings that only look like numbers or lists", () => {
  test.each(["0x1F", "1e3", " 80 ", "80.0"])("given PORT=%j, loadConfig refuses it", (port) => {
    expect(() => loadConfig("order", { PORT: port })).toThrow(/PORT/);
  });
  test("given KAFKA_BROKERS with no broker in it, loadConfig refuses it", () => {
    expect(() => loadConfig("order", { KAFKA_BROKERS: " , " })).toThrow(/KAFKA_BROKERS/);
  });
});
