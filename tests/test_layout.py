"""The layout keeps its promise: every SQL statement of oftenasked is in store/ (issue 14).

Read from the source with the standard library's ``ast``, not by importing it: a module outside
``src/oftenasked/store/`` may neither call a connection's ``execute``/``executemany``/
``executescript`` nor hold a string that reads as an SQL statement (one passed to a store function
to run would be SQL outside store/ all the same). The check is tested on a planted tree too, so
that it is known to catch what it is meant to.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oftenasked"  # this checkout's source, whatever is installed
RUNS_SQL = frozenset({"execute", "executemany", "executescript"})
# An SQL statement in the upper case every statement of oftenasked is written in: a verb and
# what follows it ("DELETE" alone is an HTTP method), a bare transaction word, or the shape of a
# statement inside a longer string.
_STATEMENT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|VACUUM|WITH)\s+\S"
    r"|^\s*(BEGIN|COMMIT|ROLLBACK)\s*;?\s*$"
    r"|\bSELECT\b.+\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b",
    re.DOTALL,
)


def sql_outside_store(package: Path) -> list[str]:
    """``path:line: what`` for every ``.execute``-style call and SQL-looking string outside ``store/``."""
    found: list[tuple[str, int, str]] = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] == "store":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RUNS_SQL:
                found.append((str(relative), node.lineno, f".{node.func.attr}(...)"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _STATEMENT.search(node.value):
                found.append((str(relative), node.lineno, repr(node.value.strip()[:60])))
    return [f"{path}:{line}: {what}" for path, line, what in sorted(found)]


def test_no_sql_outside_store() -> None:
    found = sql_outside_store(PACKAGE)
    assert not found, "SQL outside src/oftenasked/store/ (move it into a store/ module):\n" + "\n".join(found)


def test_the_check_finds_planted_sql(tmp_path: Path) -> None:
    package = tmp_path / "oftenasked"
    (package / "store").mkdir(parents=True)
    (package / "usage").mkdir()
    (package / "store" / "rows.py").write_text('def rows(db):\n    return db.execute("SELECT id FROM pairs")\n')
    (package / "usage" / "fine.py").write_text(
        '"""Rows are deleted, updated and selected (prose, not SQL)."""\n'
        'METHODS = ("GET", "DELETE")\n'
        "def run(pool, job):\n    return pool.submit(job)\n"
    )
    (package / "usage" / "bad.py").write_text(
        "def count(db):\n"
        '    return db.execute("SELECT count(*) FROM queries").fetchone()\n'
        "\n"
        'PRUNE = f"DELETE FROM feedback WHERE given_at < {0}"\n'
        "def prune(conn, rows):\n"
        "    conn.executemany(PRUNE, rows)\n"
        'DONE = "COMMIT"\n'
        'STATS = ("SELECT min(question)"\n'
        '         " FROM queries")\n'
        "def stats(store):\n"
        "    return store.run(STATS)\n"
    )
    found = sql_outside_store(package)
    assert [f.split(": ", 1)[0] for f in found] == [
        "usage/bad.py:2", "usage/bad.py:2", "usage/bad.py:4", "usage/bad.py:6", "usage/bad.py:7", "usage/bad.py:8",
    ], found
    assert not any(f.startswith(("store/", "usage/fine.py")) for f in found)
