-- Demo users with known ids (README: "Demo triggers"). A migration, so Docker and local runs get the same.
INSERT INTO "users" ("id", "name", "status", "credit_limit_cents") VALUES
    ('00000000-0000-4000-8000-000000000001', 'Ada (ample credit)', 'ACTIVE', 100000000),
    ('00000000-0000-4000-8000-000000000002', 'Lin (little credit)', 'ACTIVE', 1000),
    ('00000000-0000-4000-8000-000000000003', 'Sam (suspended)', 'SUSPENDED', 100000000)
ON CONFLICT ("id") DO NOTHING;
