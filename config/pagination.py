from rest_framework.pagination import CursorPagination, LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is capped: an unbounded one would load a whole table, and a limit beyond the
    database's integer range is refused by SQLite/PostgreSQL as a server error."""

    max_limit = 500


class CappedCursorPagination(CursorPagination):
    """Keyset pagination: ``?cursor=`` (an opaque token from ``next``/``previous``) continues after
    the last row seen, so page 1,000 costs what page 1 costs and a row checked in meanwhile neither
    repeats nor skips a row. ``?limit=`` sets the page size, capped like the offset pagination.
    Subclasses set ``ordering`` (unique enough, newest first; ties are broken inside the cursor)."""

    page_size_query_param = "limit"
    max_page_size = 500
