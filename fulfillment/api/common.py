"""What the fulfillment API modules share: documented error responses, enum fields kept
inline in the schema, input parsing, the list views."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.fields import empty

from core.api.fields import enum_field, inline_enum, is_schema_view, parse  # noqa: F401
from orders.selectors import order_get

ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad field")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied")),
    404: OpenApiResponse(description=_("not_found, also for orders the user may not see")),
}
CONFLICT = {
    409: OpenApiResponse(
        description=_(
            "invalid_transition or concurrent_modification: the record is no longer in a "
            "state that allows this"
        )
    )
}
WRITE_ERRORS = {**ERRORS, **CONFLICT}
READ_ERRORS = {401: ERRORS[401], 404: ERRORS[404]}
LIST_ERRORS = {400: ERRORS[400], 401: ERRORS[401]}


class FlagField(serializers.BooleanField):
    """A boolean that keeps its default when a multipart form leaves it out (DRF reads a
    missing checkbox as False)."""

    default_empty_html = empty


# The list views below carry no docstring on purpose: drf-spectacular would show it for every
# subclass without one of its own. Each subclass gets its own documented `get`.
class FilteredListApi(generics.ListAPIView):
    # A page of `selector(user=, filters=)`, the filters parsed by `filter_serializer_class`
    # from the query string. Subclasses set serializer_class, filter_serializer_class and
    # selector (a staticmethod).
    filter_backends: list = []
    filter_serializer_class: type[serializers.Serializer]
    selector = None

    def get_queryset(self):
        if is_schema_view(self):
            return self.serializer_class.Meta.model.objects.none()
        filters = parse(self.filter_serializer_class, self.request.query_params)
        return self.selector(user=self.request.user, filters=filters)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.get = extend_schema(
            parameters=[cls.filter_serializer_class],
            responses={200: cls.serializer_class(many=True), **LIST_ERRORS},
        )(_get_copy(cls))


class OrderListApi(generics.ListAPIView):
    # All of one order's records, unpaged: `selector(user=, filters={"order": pk})` once the
    # order (from the URL's order_id) is found for the user.
    pagination_class = None
    filter_backends: list = []
    selector = None

    def get_queryset(self):
        if is_schema_view(self):
            return self.serializer_class.Meta.model.objects.none()
        order = order_get(user=self.request.user, order_id=self.kwargs["order_id"])
        return self.selector(user=self.request.user, filters={"order": order.pk})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.get = extend_schema(responses={200: cls.serializer_class(many=True), **READ_ERRORS})(
            _get_copy(cls)
        )


def _get_copy(cls):
    # A fresh function per subclass: extend_schema marks the function it is given.
    def get(self, request, *args, **kwargs):
        return generics.ListAPIView.get(self, request, *args, **kwargs)

    get.__qualname__ = f"{cls.__qualname__}.get"
    return get
