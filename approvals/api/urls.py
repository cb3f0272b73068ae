from django.urls import path

from . import views

urlpatterns = [
    path("approvals/policy/", views.ApprovalPolicyApi.as_view(), name="approval-policy"),
    path("approvals/inbox/", views.ApprovalInboxApi.as_view(), name="approval-inbox"),
    path(
        "approvals/decisions/",
        views.ApprovalDecisionListCreateApi.as_view(),
        name="approval-decisions",
    ),
    path(
        "approvals/delegations/",
        views.DelegationListCreateApi.as_view(),
        name="approval-delegations",
    ),
    path(
        "approvals/delegations/<int:pk>/revoke/",
        views.DelegationRevokeApi.as_view(),
        name="approval-delegation-revoke",
    ),
]
