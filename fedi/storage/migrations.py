"""The numbered migration files a backend package ships."""

from __future__ import annotations

from importlib import resources


def migration_files(package: str) -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of `package`'s migrations/NNNN_*.sql, in order."""
    root = resources.files(package) / "migrations"
    found = []
    for entry in root.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)
