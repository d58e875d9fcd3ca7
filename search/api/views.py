from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination

from search import selectors

from .serializers import RESULT_SERIALIZERS, SearchPageSerializer, SearchParamsSerializer


class SearchPagination(PageNumberPagination):
    """Numbered pages, the API's one exception to cursor pages: results are ordered by match tier and then a rank
    computed for the query (floats, ties), and a cursor continues from one stable column of the rows."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class SearchView(generics.GenericAPIView):
    """Search people, communities or posts (`type`), best match first."""

    summaries = {"get": "Search"}

    pagination_class = SearchPagination
    serializer_class = SearchPageSerializer

    @extend_schema(parameters=[SearchParamsSerializer], responses=SearchPageSerializer)
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        text, kind = params.validated_data["q"], params.validated_data["type"]
        if kind == "users":
            results = selectors.search_users(text=text, viewer=request.user)
        elif kind == "communities":
            results = selectors.search_communities(text=text)
        else:
            results = selectors.search_posts(text=text, viewer=request.user)
        page = self.paginate_queryset(results)
        serializer = RESULT_SERIALIZERS[kind](page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)
