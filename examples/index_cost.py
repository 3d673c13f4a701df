#!/usr/bin/env python3
"""What each index of `requests` costs the writer: replays the requests of a store that a cold
`ingest` wrote into fresh SQLite files (WAL, synchronous=NORMAL, a 16 MB page cache, one
transaction per BATCH rows in the store's row order) with different index sets, and prints
the CPU time of the inserts and the file size. Python's own SQLite runs the inserts, not
agentdeck's bundled one, so compare the rows with each other, not with agentdeck's timings.

The index sets:
  table      the table alone (rowid only)
  unique     + UNIQUE (developer, dedupe_key), the owner-scoped key (migration 0013)
  lookups    + the partial (developer, message_id) and (developer, request_id) indexes
  five       + (ts) and (developer, ts): every index of requests until migration 0016
  now        today's: `five` with the message id and the request id indexed alone, not
             behind the owner (migration 0016)
  hashed     `five` as 64-bit integers: a hash of (developer, value) for the key, message
             id and request id, an integer owner id beside ts

Usage: index_cost.py STORE.db [ROUNDS] [BATCH]
(docs/perf.md, "Where the writer's time goes")"""
import hashlib, os, sqlite3, sys, tempfile, time

COLUMNS = ("dedupe_key, request_id, session_id, ts, agent, model, developer, project_id, "
           "input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read, "
           "reasoning_tokens, cost_micro_usd, cost_source, sidechain, fast, message_id, ord")
TABLE = ("id INTEGER PRIMARY KEY, dedupe_key TEXT NOT NULL, request_id TEXT, session_id INTEGER, "
         "ts INTEGER, agent TEXT, model TEXT, developer TEXT, project_id TEXT, input_tokens INT, "
         "output_tokens INT, cache_write_5m INT, cache_write_1h INT, cache_read INT, "
         "reasoning_tokens INT, cost_micro_usd INT, cost_source TEXT, sidechain INT, fast INT, "
         "message_id TEXT, ord INT")
HASHED = ", key_hash INTEGER, message_hash INTEGER, request_hash INTEGER, owner INTEGER"
LOOKUPS = ("CREATE INDEX m ON requests (developer, message_id) WHERE message_id IS NOT NULL;"
           "CREATE INDEX r ON requests (developer, request_id) WHERE request_id IS NOT NULL;")
TIME = "CREATE INDEX t ON requests (ts); CREATE INDEX d ON requests (developer, ts);"
SETS = {
    "table": ("", ""),
    "unique": (", UNIQUE (developer, dedupe_key)", ""),
    "lookups": (", UNIQUE (developer, dedupe_key)", LOOKUPS),
    "five": (", UNIQUE (developer, dedupe_key)", LOOKUPS + TIME),
    "now": (", UNIQUE (developer, dedupe_key)",
            "CREATE INDEX m ON requests (message_id) WHERE message_id IS NOT NULL;"
            "CREATE INDEX r ON requests (request_id) WHERE request_id IS NOT NULL;" + TIME),
    "hashed": (HASHED, "CREATE INDEX k ON requests (key_hash);"
               "CREATE INDEX m ON requests (message_hash) WHERE message_hash IS NOT NULL;"
               "CREATE INDEX r ON requests (request_hash) WHERE request_hash IS NOT NULL;"
               "CREATE INDEX t ON requests (ts); CREATE INDEX d ON requests (owner, ts);"),
    "keyhash": (HASHED, "CREATE INDEX k ON requests (key_hash);"
                "CREATE INDEX m ON requests (message_id) WHERE message_id IS NOT NULL;"
                "CREATE INDEX r ON requests (request_id) WHERE request_id IS NOT NULL;" + TIME),
    "idhash": (HASHED, "CREATE INDEX k ON requests (key_hash);"
               "CREATE INDEX m ON requests (message_hash) WHERE message_hash IS NOT NULL;"
               "CREATE INDEX r ON requests (request_hash) WHERE request_hash IS NOT NULL;" + TIME),
}


def h(owner, value):
    if value is None:
        return None
    digest = hashlib.blake2b(f"{owner}\x00{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def replay(rows, name, batch, path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    extra, indexes = SETS[name]
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-16000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(f"CREATE TABLE requests ({TABLE}{extra})")
    conn.executescript(indexes)
    columns, data = COLUMNS, rows
    if extra == HASHED:
        owners = {}
        columns += ", key_hash, message_hash, request_hash, owner"
        data = [r + (h(r[6], r[0]), h(r[6], r[18]), h(r[6], r[1]), owners.setdefault(r[6], len(owners)))
                for r in rows]
    sql = f"INSERT INTO requests ({columns}) VALUES ({', '.join('?' * len(data[0]))})"
    started = time.process_time()
    for i in range(0, len(data), batch):
        conn.execute("BEGIN")
        conn.executemany(sql, data[i:i + batch])
        conn.execute("COMMIT")
    conn.close()
    return time.process_time() - started, os.path.getsize(path)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    rows = src.execute(f"SELECT {COLUMNS} FROM requests ORDER BY id").fetchall()
    print(f"{len(rows)} requests, {batch} per transaction, {rounds} rounds (CPU s: min / median)")
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: [] for name in SETS}
        for _ in range(rounds):
            for name in SETS:
                results[name].append(replay(rows, name, batch, os.path.join(tmp, "r.db")))
        for name, runs in results.items():
            cpu = sorted(c for c, _ in runs)
            print(f"{name:8} {cpu[0]:.3f} / {cpu[len(cpu) // 2]:.3f} s   {runs[0][1] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
