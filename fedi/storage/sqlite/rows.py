"""Row <-> record mapping shared by the SQLite repositories."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from fedi.models import Account, Block, Favourite, Follow, Host, Notification, Status, User

JSON_FIELDS = {"fields", "also_known_as", "attachments", "payload", "body"}
BOOL_FIELDS = {
    "locked", "discoverable", "bot", "suspended", "admin", "approved", "local",
    "sensitive", "unavailable", "notify",
}


def to_record(cls, row: sqlite3.Row | None):
    if row is None:
        return None
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key in row.keys():
        if key not in names:
            continue
        value = row[key]
        if key in JSON_FIELDS and isinstance(value, str):
            value = json.loads(value)
        elif key in BOOL_FIELDS and value is not None:
            value = bool(value)
        values[key] = value
    return cls(**values)


def to_row(record, exclude: tuple[str, ...] = ()) -> dict:
    row = {}
    for f in dataclasses.fields(record):
        if f.name in exclude:
            continue
        value = getattr(record, f.name)
        if f.name in JSON_FIELDS:
            value = json.dumps(value)
        elif isinstance(value, bool):
            value = int(value)
        row[f.name] = value
    return row


def insert_sql(table: str, row: dict, verb: str = "INSERT") -> tuple[str, tuple]:
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return f"{verb} INTO {table} ({cols}) VALUES ({marks})", tuple(row.values())


ACCOUNT_COLUMNS = tuple(f.name for f in dataclasses.fields(Account))
__all__ = [
    "Account", "Block", "Favourite", "Follow", "Host", "Notification", "Status", "User",
    "to_record", "to_row", "insert_sql",
]
