// Text Postgres cannot store, or would store changed, is found wherever it hides in a value.
import { decodeUtf8, stringProblem, textProblem } from "./text";

describe("stringProblem", () => {
  test.each([
    ["plain ASCII", "1 Main St"],
    ["accents and CJK", "Straße 5, 서울"],
    ["a surrogate pair (an emoji outside the BMP)", "📦 parcel 𝕏"],
    ["right-to-left override and combining marks", "\u202eabc\u0301"],
    ["the replacement character itself", "\uFFFD"],
    ["the empty string", ""],
  ])("given %s, then it can be stored", (_what, text) => {
    expect(stringProblem(text)).toBeNull();
  });

  test.each([
    ["a NUL character", "a\u0000b", /NUL character/],
    ["only a NUL", "\u0000", /NUL character/],
    ["a lone high surrogate", "x\uD83Dy", /lone UTF-16 surrogate/],
    ["a lone low surrogate", "x\uDCA9", /lone UTF-16 surrogate/],
    ["a high surrogate at the end", "abc\uD800", /lone UTF-16 surrogate/],
    ["two high surrogates in a row", "\uD800\uD800\uDC00", /lone UTF-16 surrogate/],
  ])("given %s, then it is refused with the class named", (_what, text, reason) => {
    expect(stringProblem(text)).toMatch(reason);
  });
});

describe("textProblem", () => {
  test("given a value with good text everywhere, then there is no problem", () => {
    expect(textProblem({ items: [{ sku: "BOOK-1", quantity: 2 }], address: { city: "서울" }, flag: true, none: null }, "body")).toBeNull();
  });

  test("given a NUL deep in an array of objects, then the problem names the exact field", () => {
    expect(textProblem({ items: [{ sku: "ok" }, { sku: "bad\u0000" }] }, "body")).toBe(
      "body/items/1/sku: text must not contain the NUL character (U+0000)",
    );
  });

  test("given a lone surrogate in a field name, then the problem says it is the name", () => {
    expect(textProblem({ address: { "ci\uD800ty": "Seoul" } }, "body")).toMatch(/^body\/address\/ci\\ud800ty: field name must not contain a lone UTF-16 surrogate/);
  });

  test("given a bare string, then the path is the prefix itself", () => {
    expect(textProblem("\u0000", "querystring")).toBe("querystring: text must not contain the NUL character (U+0000)");
    expect(textProblem("\u0000")).toBe("/: text must not contain the NUL character (U+0000)");
  });

  test("given numbers, booleans and null, then there is nothing to check", () => {
    expect(textProblem([1, -0, 1e308, false, null])).toBeNull();
  });

  test("given a value nested deeper than any request needs, then it is refused instead of overflowing the stack", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(textProblem(deep, "body")).toMatch(/nested more than \d+ deep/);
  });
});

describe("decodeUtf8", () => {
  test("given UTF-8 bytes, then the text comes back unchanged", () => {
    expect(decodeUtf8(Buffer.from("{\"city\":\"서울 📦\"}"))).toBe("{\"city\":\"서울 📦\"}");
  });

  test("given a byte-order mark, then it is kept (so JSON.parse refuses it, as before)", () => {
    expect(decodeUtf8(Buffer.from("\uFEFF{}"))).toBe("\uFEFF{}");
  });

  test.each([
    ["a lone 0xFF byte", [0x7b, 0x22, 0xff, 0x22, 0x7d]],
    ["a truncated two-byte sequence", [0x22, 0xc3, 0x22]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["an encoded surrogate (CESU-8)", [0xed, 0xa0, 0x80]],
  ])("given %s, then it is not text (nothing is replaced with U+FFFD)", (_what, bytes) => {
    expect(decodeUtf8(Buffer.from(bytes))).toBeNull();
  });
});
