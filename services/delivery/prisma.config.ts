import { defineConfig } from "prisma/config";
// Generation is WebAssembly, yet the CLI wants some schema-engine binary to exist (see README: Prisma offline).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
export default defineConfig({ schema: "prisma/schema.prisma" });
