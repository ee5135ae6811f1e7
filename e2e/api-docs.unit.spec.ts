// Each service's OpenAPI document, as it serves it at /docs/json: valid OpenAPI 3, describing
// exactly the endpoints the README's "HTTP API" table gives that service, with a schema for every
// answer. Built without Kafka or a database: the routes are only registered, never called.
import { compileErrors, validate } from "@readme/openapi-parser";
import { serviceNames, type ServiceName } from "../packages/contracts/src";
import type { HttpApp } from "../packages/service-kit/src";
import { serviceApp } from "../packages/service-kit/test/service-app";
import { deliveryService } from "../services/delivery/src/main";
import { orderService } from "../services/order/src/main";
import { paymentService } from "../services/payment/src/main";
import { userService } from "../services/user/src/main";
import { readmeSection, tableWithHeader } from "../test-support/readme";

const appOf: Record<ServiceName, () => HttpApp> = {
  order: () => serviceApp(orderService),
  user: () => serviceApp(userService),
  payment: () => serviceApp(paymentService),
  delivery: () => serviceApp(deliveryService),
};

type Schema = { type?: string; required?: string[]; properties?: Record<string, unknown> };
type Response = { description?: string; content?: { "application/json"?: { schema?: Schema } } };
type Parameter = { name: string; in: string; required?: boolean; schema?: { default?: unknown } };
type Operation = { summary?: string; parameters?: Parameter[]; requestBody?: unknown; responses: Record<string, Response> };
type Document = { openapi: string; info: { title: string; version: string; description?: string }; paths: Record<string, Record<string, Operation>> };

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** "GET /orders/{id}" for each operation of the document. */
const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ endpoint: `${method.toUpperCase()} ${path}`, operation })),
  );

/**
 * The README's "HTTP API" table as endpoints per service, in OpenAPI's spelling: `GET /orders/:id`
 * becomes "GET /orders/{id}", the query string goes, a row without a service is the one above's.
 */
function readmeEndpoints(): Record<ServiceName, string[]> {
  const table = tableWithHeader(readmeSection("HTTP API"), ["service", "endpoint", ""]);
  const endpoints = Object.fromEntries(serviceNames.map((name) => [name, [] as string[]])) as Record<ServiceName, string[]>;
  let owners: ServiceName[] = [];
  for (const [serviceCell = "", endpointCell = ""] of table.rows) {
    if (serviceCell) {
      const name = serviceCell.split(" ")[0] as ServiceName;
      if (serviceCell !== "every service" && !serviceNames.includes(name)) throw new Error(`unknown service "${serviceCell}"`);
      owners = serviceCell === "every service" ? [...serviceNames] : [name];
    }
    const found = [...endpointCell.matchAll(/`([A-Z]+) (\/[^`?\s]*)[^`]*`/g)];
    if (found.length === 0) throw new Error(`no endpoint in the README row "${endpointCell}"`);
    for (const [, method, path = ""] of found) {
      for (const owner of owners) endpoints[owner].push(`${method} ${path.replace(/:(\w+)/g, "{$1}")}`);
    }
  }
  return endpoints;
}

const apps: Partial<Record<ServiceName, HttpApp>> = {};
const documents: Partial<Record<ServiceName, Document>> = {};

beforeAll(async () => {
  for (const name of serviceNames) {
    const app = appOf[name]();
    const response = await app.inject({ method: "GET", url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    apps[name] = app;
    documents[name] = response.json();
  }
});

afterAll(() => Promise.all(Object.values(apps).map((app) => app.close())));

test("the README's HTTP API table names endpoints for every service (so the checks below have something to check)", () => {
  const endpoints = readmeEndpoints();
  for (const name of serviceNames) expect(endpoints[name]).toEqual(expect.arrayContaining(["GET /health/live", "GET /health/ready"]));
  expect(endpoints.order).toEqual(expect.arrayContaining(["POST /orders", "GET /orders/{id}", "GET /orders"]));
});

describe.each(serviceNames)("the %s service's OpenAPI document", (name) => {
  const document = () => documents[name] as Document;

  test("given by GET /docs/json, it is valid OpenAPI 3, titled with the service's name and saying what it does", async () => {
    expect(document().openapi).toMatch(/^3\./);
    expect(document().info).toEqual({ title: `${name} service`, version: expect.any(String), description: expect.stringMatching(/\S/) });
    const result = await validate(structuredClone(document()) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  test("it describes exactly the endpoints the README's HTTP API table gives the service", () => {
    const documented = operationsOf(document()).map((o) => o.endpoint);
    expect([...documented].sort()).toEqual([...readmeEndpoints()[name]].sort());
  });

  test("every operation has a summary and a JSON schema for each answer, its success body among them", () => {
    for (const { endpoint, operation } of operationsOf(document())) {
      expect({ endpoint, summary: operation.summary }).toEqual({ endpoint, summary: expect.any(String) });
      const statuses = Object.keys(operation.responses);
      // One success answer, or two for POST /orders: 202 for a saga, 201 for a two-phase commit that ended.
      const success = statuses.filter((s) => /^2\d\d$/.test(s));
      expect({ endpoint, success }).toEqual({ endpoint, success: endpoint === "POST /orders" ? ["201", "202"] : [expect.any(String)] });
      for (const status of statuses) {
        expect({ endpoint, status, schema: operation.responses[status]?.content?.["application/json"]?.schema?.type }).toEqual({
          endpoint,
          status,
          schema: expect.stringMatching(/^(object|array)$/),
        });
      }
    }
  });

  test("every operation but the health checks documents the error body for a bad request, a failure and overload", () => {
    for (const { endpoint, operation } of operationsOf(document()).filter((o) => !o.endpoint.includes("/health/"))) {
      const errors = operation.requestBody ? ["400", "413", "415", "500", "503"] : ["400", "500", "503"];
      for (const status of errors) {
        const schema = operation.responses[status]?.content?.["application/json"]?.schema;
        expect({ endpoint, status, required: schema?.required }).toEqual({ endpoint, status, required: ["statusCode", "error", "message"] });
      }
    }
  });

  test("a parameter with a default is documented as optional, as the validator fills it in; a path parameter as required", () => {
    for (const { endpoint, operation } of operationsOf(document())) {
      for (const { name: parameter, in: where, required = false, schema } of operation.parameters ?? []) {
        if (where === "path") expect({ endpoint, parameter, required }).toEqual({ endpoint, parameter, required: true });
        if (schema?.default !== undefined) expect({ endpoint, parameter, required }).toEqual({ endpoint, parameter, required: false });
      }
    }
  });

  test("GET /docs answers Swagger UI's HTML, whose scripts and styles the service serves itself", async () => {
    const app = apps[name] as HttpApp;
    const page = await app.inject({ method: "GET", url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain('<div id="swagger-ui">');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url = ""]) => url);
    expect(assets).toEqual(expect.arrayContaining(["/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"]));
    for (const url of assets) {
      expect(url).toMatch(/^\/docs\//); // from this service, never a CDN
      expect({ url, status: (await app.inject({ method: "GET", url })).statusCode }).toEqual({ url, status: 200 });
    }
  });
});
