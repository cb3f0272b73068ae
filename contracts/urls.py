from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("customers/", views.customer_list_view, name="customer_list"),
    path("customers/new/", views.customer_create_view, name="customer_create"),
    path(
        "customers/check-credit-code/",
        views.credit_code_check_view,
        name="credit_code_check",
    ),
    path("customers/<int:pk>/", views.customer_detail_view, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit_view, name="customer_edit"),
    path("contracts/", views.contract_list_view, name="contract_list"),
    path("contracts/new/", views.contract_create_view, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail_view, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit_view, name="contract_edit"),
    path("contracts/<int:pk>/attachments/", views.attachment_add_view, name="attachment_add"),
    path(
        "contracts/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download_view,
        name="attachment_download",
    ),
    path("contracts/<int:pk>/agreements/", views.agreement_add_view, name="agreement_add"),
    path(
        "contracts/<int:pk>/agreements/<int:agreement_id>/file/",
        views.agreement_download_view,
        name="agreement_download",
    ),
]
