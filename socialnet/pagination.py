from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first, stable under inserts; the API's default pagination."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class SelectorOrderCursorPagination(CreatedCursorPagination):
    """Cursor pages in the order the list's selector gives (people: most recent follow, like or block first, or by
    username), so that order is written once. The cursor continues from the first ordering field, which must be a
    column or an annotation of the rows (`followed_at`, not `follows__created_at`)."""

    def get_ordering(self, request, queryset, view):
        ordering = tuple(queryset.query.order_by)
        assert ordering and "__" not in ordering[0], f"{view.__class__.__name__}: no cursor field in {ordering}"
        return ordering


class OldestFirstCursorPagination(CreatedCursorPagination):
    """Lists read top-down (comments, the moderators' queue): oldest first, stable while new items arrive."""

    ordering = ("created_at", "id")
