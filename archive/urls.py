from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("", views.archive_search_view, name="search"),
    path("<int:pk>/", views.archive_record_view, name="record"),
    path("<int:pk>/bundle/", views.archive_bundle_view, name="bundle"),
    path("orders/<int:order_pk>/archive/", views.archive_now_view, name="archive_now"),
]
