from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first, stable under inserts; the API's default pagination."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class OldestFirstCursorPagination(CreatedCursorPagination):
    """Lists read top-down (comments, the moderators' queue): oldest first, stable while new items arrive."""

    ordering = ("created_at", "id")
