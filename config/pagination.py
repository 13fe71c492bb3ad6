from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is capped: an unbounded one would load a whole table, and a limit beyond the
    database's integer range is refused by SQLite/PostgreSQL as a server error."""

    max_limit = 500
