"""Lists of values bound as one parameter.

`status_id IN (?,?,?)` is a new statement text for every length of the list, and each new
text is parsed and planned again: SQLite keeps the 128 statements a connection used last,
and PostgreSQL's prepared statements cost a round trip of their own. Pages of different
lengths then miss those caches all the time (a page's details statement costs about five
times as much to prepare as to run). Written with `listed()`, a list is one parameter,
so the text is the same whatever the length:

    f"status_id IN ({listed()})", [values(ids)]

On SQLite the parameter is a JSON array read by `json_each`; on PostgreSQL it is bound as
an array and read by `unnest` (fedi.storage.postgres.db.translate). Either way the planner
probes an index once per value. The values are text, as every id and name fedi lists is.
"""

from __future__ import annotations

import sqlite3

import orjson


class Values(tuple):
    """Values bound as one parameter (see the module's doc)."""


def values(items) -> Values:
    return Values(items)


def listed(number: int | None = None) -> str:
    """The values of one parameter as a subquery, for `IN (...)`; `number` names the
    parameter (?N) in a statement that numbers its parameters."""
    return f"SELECT value FROM json_each(?{number or ''})"


sqlite3.register_adapter(Values, lambda v: orjson.dumps(list(v)).decode())
