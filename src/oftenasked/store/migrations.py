"""Numbered schema migrations. Append new ones; never edit one that has shipped."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: sources, pairs, the texts that are embedded, and a content-addressed vector cache.
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        title TEXT,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE pairs (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        source TEXT NOT NULL,
        alternates TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{}',
        content_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX pairs_source ON pairs(source_id, position);
    -- What the retriever searches: each question phrasing ('q') and answer chunk ('a').
    CREATE TABLE texts (
        pair_rowid INTEGER NOT NULL REFERENCES pairs(rowid) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('q', 'a')),
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        PRIMARY KEY (pair_rowid, kind, ordinal)
    );
    -- Vectors by model and text hash: unchanged text is never embedded twice.
    CREATE TABLE vectors (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta(key, value) VALUES ('generation', '0');
    """,
    # 2: what is really asked (no personal data: question text, answer given, confidence, time) and feedback.
    """
    CREATE TABLE queries (
        id INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,
        question TEXT NOT NULL,
        answer_id TEXT,
        confidence REAL,
        answered INTEGER NOT NULL
    );
    CREATE INDEX queries_asked_at ON queries(asked_at);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        given_at TEXT NOT NULL,
        question TEXT NOT NULL,
        pair_id TEXT NOT NULL,
        helpful INTEGER,
        better_id TEXT
    );
    CREATE INDEX feedback_pair ON feedback(pair_id);
    """,
    # 3: the generation counter is bumped by the database itself on every change to what is searched
    # and shown (pairs, their texts, a source's origin), whoever makes it: this library, another process,
    # or the sqlite3 shell. Derived state (the search index, cached pairs) compares it to know it is stale.
    """
    CREATE TRIGGER pairs_insert_generation AFTER INSERT ON pairs
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    CREATE TRIGGER pairs_update_generation AFTER UPDATE ON pairs
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    CREATE TRIGGER pairs_delete_generation AFTER DELETE ON pairs
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    CREATE TRIGGER texts_insert_generation AFTER INSERT ON texts
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    CREATE TRIGGER texts_update_generation AFTER UPDATE ON texts
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    CREATE TRIGGER texts_delete_generation AFTER DELETE ON texts
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    CREATE TRIGGER sources_origin_generation AFTER UPDATE OF origin ON sources
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
    """,
    # 4: learning from use. An opaque session id on logged questions and feedback (only when the
    # caller passes one: never an IP address or a user id), and whether feedback came from the
    # editor (the CLI, on the file itself); vectors of logged questions, so that
    # grouping them by meaning does not embed a question twice; and suggestions for the editor,
    # each with its evidence and what accepting it changed (so that it can be reverted).
    """
    ALTER TABLE queries ADD COLUMN session TEXT;
    ALTER TABLE feedback ADD COLUMN session TEXT;
    ALTER TABLE feedback ADD COLUMN editor INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX queries_answer ON queries(answer_id, asked_at);
    CREATE TABLE query_vectors (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID;
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('alternate', 'poor_answer')),
        pair_id TEXT NOT NULL,
        question TEXT NOT NULL DEFAULT '',
        key TEXT NOT NULL UNIQUE,
        evidence TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected', 'reverted')),
        created_at TEXT NOT NULL,
        decided_at TEXT,
        applied TEXT
    );
    """,
    # 5: a log of the pairs changed (inserted, updated, deleted), so that live index segments
    # (retrieve/segments.py) read what changed since they were built instead of every pair's hash
    # (about 1 s at a million pairs). The database keeps it short by itself: the newest 100,000
    # entries at least; a reader whose place was pruned away compares every hash, as before.
    """
    CREATE TABLE pair_changes (seq INTEGER PRIMARY KEY, pair_rowid INTEGER NOT NULL);
    CREATE TRIGGER pairs_insert_change AFTER INSERT ON pairs
    BEGIN INSERT INTO pair_changes(pair_rowid) VALUES (new.rowid); END;
    CREATE TRIGGER pairs_update_change AFTER UPDATE ON pairs
    BEGIN
        INSERT INTO pair_changes(pair_rowid) VALUES (new.rowid);
        INSERT INTO pair_changes(pair_rowid) SELECT old.rowid WHERE old.rowid <> new.rowid;
    END;
    CREATE TRIGGER pairs_delete_change AFTER DELETE ON pairs
    BEGIN INSERT INTO pair_changes(pair_rowid) VALUES (old.rowid); END;
    CREATE TRIGGER pair_changes_prune AFTER INSERT ON pair_changes WHEN new.seq % 10000 = 0
    BEGIN DELETE FROM pair_changes WHERE seq <= new.seq - 100000; END;
    """,
)
