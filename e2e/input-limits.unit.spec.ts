// The README's input limits table against the request schemas that enforce the limits and the
// rule that bounds an order's total: a limit changed, added or removed on one side only fails here.
import { MAX_ORDER_TOTAL_CENTS, orderProblem } from "../services/order/src/order-rules";
import { ListQuery, PlaceOrderBody, PlaceOrderHeaders } from "../services/order/src/order-routes";
import { CreateUserBody } from "../services/user/src/user-routes";
import { readmeSection, tableWithHeader } from "../test-support/readme";

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  [keyword: string]: unknown;
};

/** Every request schema with limits, and how the table names its fields. */
const requestSchemas: Array<{ field: (path: string) => string; schema: Schema }> = [
  { field: (path) => `\`POST /orders\` \`${path}\``, schema: PlaceOrderBody },
  { field: (path) => `\`POST /orders\` header \`${path}\``, schema: PlaceOrderHeaders },
  { field: (path) => `\`GET /orders\` \`${path}\``, schema: ListQuery },
  { field: (path) => `\`POST /users\` \`${path}\``, schema: CreateUserBody },
];
const ORDER_TOTAL_FIELD = "`POST /orders` Σ `quantity` × `unitPriceCents`";

const LIMIT_KEYWORDS = ["minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems"];
const UNDESCRIBED_KEYWORDS = ["exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties", "uniqueItems"];

const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const range = (min: unknown, max: unknown, unit = "") => {
  if (min !== undefined && max !== undefined) return `${grouped(Number(min))}–${grouped(Number(max))}${unit}`;
  return min !== undefined ? `at least ${grouped(Number(min))}${unit}` : `at most ${grouped(Number(max))}${unit}`;
};

/** The limit one schema sets, as the table words it, or null when it sets none. */
function limitOf(schema: Schema, field: string): string | null {
  const unknown = UNDESCRIBED_KEYWORDS.filter((keyword) => keyword in schema);
  if (unknown.length > 0) throw new Error(`${field}: this test cannot word ${unknown.join(", ")} yet; teach it`);
  if (!LIMIT_KEYWORDS.some((keyword) => keyword in schema)) return null;
  if (schema.type === "array") return range(schema.minItems, schema.maxItems, " items");
  const pattern = schema.pattern === undefined ? "" : `\`${String(schema.pattern)}\``;
  const length = schema.minLength === undefined && schema.maxLength === undefined ? "" : range(schema.minLength, schema.maxLength, " characters");
  if (schema.type === "string") return [length, pattern].filter(Boolean).join(" matching ");
  const fallback = schema.default === undefined ? "" : `, default ${grouped(Number(schema.default))}`;
  return range(schema.minimum, schema.maximum) + fallback;
}

/** Every limit under `schema`: `items[].sku`, `shippingAddress.city` … */
function limitsUnder(schema: Schema, path: string, field: (path: string) => string): Array<{ field: string; limit: string }> {
  const own = path ? limitOf(schema, field(path)) : null;
  const rows = own === null ? [] : [{ field: field(path), limit: own }];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    rows.push(...limitsUnder(property, path ? `${path}.${name}` : name, field));
  }
  if (schema.items) rows.push(...limitsUnder(schema.items, `${path}[]`, field));
  for (const member of schema.anyOf ?? []) rows.push(...limitsUnder(member, path, field));
  return rows;
}

const byField = (a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field);

const table = () => tableWithHeader(readmeSection("HTTP API"), ["input", "field", "limit"]);
const readmeRows = () => table().rows.map(([, field = "", limit = ""]) => ({ field, limit }));

test("every row of the README's input limits table names its input, once", () => {
  const rows = table().rows;
  expect(rows.length).toBeGreaterThan(0);
  for (const [input = "", field = ""] of rows) expect({ field, input }).toEqual({ field, input: expect.stringMatching(/\S/) });
  const fields = rows.map(([, field]) => field);
  expect(new Set(fields).size).toBe(fields.length);
});

test("the README's input limits table states exactly the limits the request schemas and the order total rule set", () => {
  const fromSchemas = requestSchemas.flatMap(({ field, schema }) => limitsUnder(schema, "", field));
  const expected = [...fromSchemas, { field: ORDER_TOTAL_FIELD, limit: range(1, MAX_ORDER_TOTAL_CENTS) }];
  expect([...readmeRows()].sort(byField)).toEqual([...expected].sort(byField));
});

test("the order total the table states is exactly the range the order rule accepts", () => {
  const row = readmeRows().find((r) => r.field === ORDER_TOTAL_FIELD);
  const [, low, high] = /^([\d,]+)–([\d,]+)$/.exec(row?.limit ?? "") ?? [];
  const [min, max] = [low, high].map((n) => Number(n?.replace(/,/g, "")));
  const problemWithTotal = (total: number) => orderProblem([{ sku: "x", quantity: 1, unitPriceCents: total }]);
  expect({ belowMin: problemWithTotal(Number(min) - 1), min: problemWithTotal(Number(min)) }).toEqual({ belowMin: expect.any(String), min: null });
  expect({ max: problemWithTotal(Number(max)), overMax: problemWithTotal(Number(max) + 1) }).toEqual({ max: null, overMax: expect.any(String) });
});
