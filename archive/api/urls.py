from django.urls import path

from .views import ArchiveBundleApi, ArchiveListApi, ArchiveRecordApi, ArchiveVerifyApi

urlpatterns = [
    path("archive/", ArchiveListApi.as_view(), name="archive-list"),
    path("archive/verify/", ArchiveVerifyApi.as_view(), name="archive-verify"),
    path("archive/<int:pk>/", ArchiveRecordApi.as_view(), name="archive-record"),
    path("archive/<int:pk>/bundle/", ArchiveBundleApi.as_view(), name="archive-bundle"),
]
