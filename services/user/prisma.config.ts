import { defineConfig } from "prisma/config";
// Generation is WebAssembly, yet the CLI wants some schema-engine binary to exist (README: "Databases and migrations (Prisma 7, offline)").
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
export default defineConfig({ schema: "prisma/schema.prisma" });
