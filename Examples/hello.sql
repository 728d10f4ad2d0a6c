-- A first session: run with `swift run shardql examples/hello.sql`.
CREATE TABLE IF NOT EXISTS carriers (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) DISTRIBUTED BY HASH (code) SHARDS 4;

INSERT OR REPLACE INTO carriers VALUES
    ('AA', 'American Airlines Inc.'),
    ('B6', 'JetBlue Airways'),
    ('DL', 'Delta Air Lines Inc.'),
    ('UA', 'United Air Lines Inc.');

SELECT code, name, length(name) AS letters FROM carriers ORDER BY code;
