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


def _builder(cls, keys: tuple[str, ...]):
    """A function making a `cls` record from a row with these columns (those the record
    lacks are ignored), written out once per record type and column list."""
    names = {f.name for f in dataclasses.fields(cls)}
    args = []
    for index, key in enumerate(keys):
        if key not in names:
            continue
        value = f"v[{index}]"
        if key in JSON_FIELDS:
            value = f"_json({value})"
        elif key in BOOL_FIELDS:
            value = f"_bool({value})"
        args.append(f"{key}={value}")
    source = f"def build(v):\n    return cls({', '.join(args)})\n"
    namespace = {"cls": cls, "_json": _json_value, "_bool": _bool_value}
    exec(source, namespace)  # noqa: S102 - built from the record's own field names
    return namespace["build"]


def _json_value(value):
    if value == "[]":
        return []  # most lists stored are empty
    return json.loads(value) if isinstance(value, str) else value


def _bool_value(value):
    return None if value is None else bool(value)


_BUILDERS: dict[tuple, object] = {}


def to_record(cls, row: sqlite3.Row | None):
    if row is None:
        return None
    keys = tuple(row.keys())
    build = _BUILDERS.get((cls, keys))
    if build is None:
        build = _BUILDERS[(cls, keys)] = _builder(cls, keys)
    return build(tuple(row))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_row(record, exclude: tuple[str, ...] = ()) -> dict:
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in dataclasses.fields(record))
    row = {}
    for name in names:
        if name in exclude:
            continue
        value = getattr(record, name)
        if name in JSON_FIELDS:
            value = json.dumps(value)
        elif isinstance(value, bool):
            value = int(value)
        row[name] = value
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
