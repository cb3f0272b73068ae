from django.urls import path

from .views import change_requests, detail, entry, listing

app_name = "orders"

urlpatterns = [
    path("", listing.order_list_view, name="list"),
    path("new/", entry.order_create_view, name="create"),
    path("<int:pk>/", detail.order_detail_view, name="detail"),
    path("<int:pk>/edit/", entry.order_edit_view, name="edit"),
    path("<int:pk>/print/", detail.order_print_view, name="print"),
    path("<int:pk>/transitions/<str:name>/", detail.order_transition_view, name="transition"),
    path("<int:pk>/attachments/", detail.order_attachment_upload_view, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        detail.order_attachment_download_view,
        name="attachment_download",
    ),
    # change, cancellation and hold/resume requests (REQUIREMENTS §5)
    path("<int:pk>/change/", change_requests.change_request_form_view, name="change_request_form"),
    path(
        "<int:pk>/change-requests/",
        change_requests.change_requests_card_view,
        name="change_requests",
    ),
    path(
        "<int:pk>/change-requests/new/",
        change_requests.change_request_simple_view,
        name="change_request_simple",
    ),
    path(
        "change-requests/<int:request_id>/",
        change_requests.change_request_detail_view,
        name="change_request",
    ),
    path(
        "change-requests/<int:request_id>/decide/",
        change_requests.change_request_decide_view,
        name="change_request_decide",
    ),
    path(
        "change-requests/<int:request_id>/withdraw/",
        change_requests.change_request_withdraw_view,
        name="change_request_withdraw",
    ),
    # htmx fragments of the entry form
    path("entry/line/", entry.line_row_view, name="line_row"),
    path("entry/totals/", entry.totals_view, name="totals"),
    path("entry/customer-lookup/", entry.customer_lookup_view, name="customer_lookup"),
    path("entry/customer-details/", entry.customer_details_view, name="customer_details"),
    path("entry/product-lookup/", entry.product_lookup_view, name="product_lookup"),
]
