from django.urls import path

from .views import ArchiveVerifyApi

urlpatterns = [path("archive/verify/", ArchiveVerifyApi.as_view(), name="archive-verify")]
