from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination


class PageNumberPagination(BasePageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 100), answered as ``{count, next, previous, results}``."""

    page_size_query_param = "page_size"
    max_page_size = 100
