import { TransactionModel } from "./generated/prisma/enums";

// The transaction models an order can run under, as the API names them ("choreography",
// "orchestration") and as the database stores them (the TransactionModel enum of schema.prisma).

export { TransactionModel };

/** The API's name for a model: the database value in lower case, words joined by hyphens. */
export const apiNameOf = (model: TransactionModel): string => model.toLowerCase().replaceAll("_", "-");

export const apiNames = Object.values(TransactionModel).map(apiNameOf);

/** The model an API name stands for (only names from `apiNames` reach this, the schema checks). */
export function modelNamed(name: string): TransactionModel {
  const model = Object.values(TransactionModel).find((m) => apiNameOf(m) === name);
  if (!model) throw new Error(`no transaction model is called "${name}"`);
  return model;
}
