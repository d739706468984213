"""The durable local store (SQLite outbox, reference-data cache, ticket-number blocks, encrypted blobs)
and the sync engine. No Qt here."""
