/** A JSON object as stored in a jsonb column. (`any` values: TypeORM's partial-update types reject `unknown`.) */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonObject = Record<string, any>;
