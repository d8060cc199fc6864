// Integration suites run against the machine's real PostgreSQL and Redis. These defaults match
// the development machines and CI; override them to point elsewhere.
process.env.TEST_POSTGRES_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
