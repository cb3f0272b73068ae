from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("orders/<int:pk>/decide/", views.decide_view, name="decide"),
    path("decided/", views.decided_view, name="decided"),
    path("delegations/", views.delegation_list_view, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke_view, name="delegation_revoke"),
]
