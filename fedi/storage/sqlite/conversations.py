"""Direct-message conversations, computed at read time.

A reader's conversations are the direct statuses they wrote or are mentioned in,
grouped by the status's `conversation` (its own uri when it has none). A group's id
is its oldest such status's id; groups sort by their newest status's id. Only the
read state is stored: `unread_conversations` holds the groups with news for a reader.
"""

from __future__ import annotations

from fedi.storage.sqlite.paging import id_window

KEY = "coalesce(s.conversation, s.uri)"


def _mine(account_id: str, keys: list[str] | None = None) -> tuple[str, list]:
    """(status id, conversation key) of the direct statuses the account takes part in (only in
    the conversations `keys`, when given)."""
    extra = "" if keys is None else f" AND {KEY} IN ({','.join('?' for _ in keys)})"
    keyed = list(keys or ())
    sql = (
        f"SELECT s.id AS id, {KEY} AS ckey FROM statuses s "
        f"WHERE s.account_id = ? AND s.visibility = 'direct' AND s.reblog_of_id IS NULL{extra} "
        f"UNION SELECT s.id, {KEY} FROM mentions m JOIN statuses s ON s.id = m.status_id "
        f"WHERE m.account_id = ? AND s.visibility = 'direct' AND s.reblog_of_id IS NULL{extra}"
    )
    return sql, [account_id, *keyed, account_id, *keyed]


def _group(row) -> dict:
    return {"key": row[0], "id": row[1], "last_status_id": row[2], "unread": bool(row[3])}


class SqliteConversations:
    def __init__(self, db):
        self.db = db

    async def _groups(self, account_id: str, key: str | None, where: list[str], params: list,
                      order: str = "DESC", limit: int = 1) -> list[dict]:
        mine, mine_params = _mine(account_id, None if key is None else [key])
        clause = "".join(f" AND {w}" for w in where)
        rows = await self.db.fetchall(
            f"WITH mine AS ({mine}), groups AS (SELECT ckey, min(id) AS first_id, max(id) AS last_id "
            "FROM mine GROUP BY ckey) "
            "SELECT g.ckey, g.first_id, g.last_id, u.account_id IS NOT NULL FROM groups g "
            "LEFT JOIN hidden_conversations h ON h.account_id = ? AND h.conversation = g.ckey "
            "LEFT JOIN unread_conversations u ON u.account_id = ? AND u.conversation = g.ckey "
            f"WHERE (h.last_status_id IS NULL OR g.last_id > h.last_status_id){clause} "
            f"ORDER BY g.last_id {order} LIMIT ?",
            (*mine_params, account_id, account_id, *params, limit),
        )
        return [_group(r) for r in rows]

    async def page(self, account_id: str, *, max_id=None, since_id=None, min_id=None, limit=20) -> list[dict]:
        """{key, id, last_status_id, unread} of the account's conversations, newest last
        status first, paged by the last status's id."""
        where, params, order = id_window("g.last_id", max_id, since_id, min_id)
        groups = await self._groups(account_id, None, where, params, order, limit)
        return groups[::-1] if order == "ASC" else groups

    async def get(self, account_id: str, conversation_id: str) -> dict | None:
        """The account's (visible) conversation that the status `conversation_id` belongs to."""
        row = await self.db.fetchone(
            f"SELECT {KEY} FROM statuses s WHERE s.id = ? AND s.visibility = 'direct' "
            "AND (s.account_id = ? OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id "
            "AND m.account_id = ?))",
            (conversation_id, account_id, account_id),
        )
        if row is None:
            return None
        groups = await self._groups(account_id, row[0], [], [])
        return groups[0] if groups else None

    async def participants(self, account_id: str, key: str) -> list[str]:
        """Everyone but the account who wrote or was mentioned in the conversation, oldest first."""
        return (await self.participants_of(account_id, [key])).get(key, [])

    async def participants_of(self, account_id: str, keys: list[str]) -> dict[str, list[str]]:
        """`participants` of each of these conversations (those with none are left out), in
        one query."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        mine, params = _mine(account_id, keys)
        rows = await self.db.fetchall(
            f"WITH mine AS ({mine}), people AS ("
            "SELECT mine.ckey AS ckey, s.account_id AS who, s.id AS at "
            "FROM mine JOIN statuses s ON s.id = mine.id "
            "UNION ALL SELECT mine.ckey, m.account_id, m.status_id "
            "FROM mine JOIN mentions m ON m.status_id = mine.id) "
            "SELECT ckey, who FROM people WHERE who != ? GROUP BY ckey, who ORDER BY min(at), who",
            (*params, account_id),
        )
        found: dict[str, list[str]] = {}
        for ckey, who in rows:
            found.setdefault(ckey, []).append(who)
        return found

    async def hide(self, account_id: str, key: str, last_status_id: str) -> None:
        """Leave the conversation out until a status newer than `last_status_id` arrives in it."""
        await self.db.execute(
            "INSERT INTO hidden_conversations (account_id, conversation, last_status_id) VALUES (?,?,?) "
            "ON CONFLICT(account_id, conversation) DO UPDATE SET last_status_id = excluded.last_status_id",
            (account_id, key, last_status_id),
        )
        await self.mark_read(account_id, key)

    async def arrived(self, status_id: str, reader_ids: list[str]) -> None:
        """A direct status was stored and delivered to these local readers: its conversation
        has news for each of them but its author, and none for its author."""
        row = await self.db.fetchone(f"SELECT {KEY}, s.account_id FROM statuses s WHERE s.id = ?",
                                     (status_id,))
        if row is None:
            return
        key, author_id = row[0], row[1]
        await self.mark_read(author_id, key)
        others = [r for r in dict.fromkeys(reader_ids) if r != author_id]
        if others:
            await self.db.executemany(
                "INSERT OR IGNORE INTO unread_conversations (account_id, conversation) "
                "VALUES (?, ?)", [(reader, key) for reader in others],
            )

    async def mark_read(self, account_id: str, key: str) -> None:
        await self.db.execute(
            "DELETE FROM unread_conversations WHERE account_id = ? AND conversation = ?",
            (account_id, key),
        )
