import { DEFAULT_SERVED_COUNTRIES } from "./delivery-rules";
import { readDeliverySettings } from "./delivery-settings";

describe("readDeliverySettings", () => {
  test("given no SERVED_COUNTRIES, then the default countries are served", () => {
    expect(readDeliverySettings({})).toEqual({ servedCountries: DEFAULT_SERVED_COUNTRIES });
  });

  test("given a list with spaces and empty entries, then its codes are served", () => {
    expect(readDeliverySettings({ SERVED_COUNTRIES: " KR, JP ,," })).toEqual({ servedCountries: ["KR", "JP"] });
  });

  test.each(["kr", "KOR", "K1", "Korea"])("given %s in the list, then the service refuses to start, naming it", (code) => {
    expect(() => readDeliverySettings({ SERVED_COUNTRIES: `US,${code}` })).toThrow(`not "${code}"`);
  });
});
