"""Errors both storage backends raise alike."""


class Conflict(Exception):
    """A write broke one of the database's constraints (a unique key, a foreign key, a
    check). Nothing of the transaction it was part of was written."""
