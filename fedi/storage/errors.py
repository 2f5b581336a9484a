"""Errors both storage backends raise alike."""


class Conflict(Exception):
    """A write broke one of the database's constraints (a unique key, a foreign key, a
    check). Nothing of the transaction it was part of was written."""


class SchemaTooNew(Exception):
    """The database was migrated by a newer fedi than this one: running on it could write
    rows without what the newer schema expects of them. str() names both versions."""

    def __init__(self, database: int, known: int):
        super().__init__(f"the database's schema is at version {database}, newer than this fedi's "
                         f"({known}): it was upgraded by a newer fedi; run that version, or stop all "
                         "processes before upgrading them together")
        self.database, self.known = database, known
