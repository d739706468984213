"""The reference hall server: the central-platform API on SQLite (demo, tests, small halls)."""
