from django.urls import path

from ..views import board, production

urlpatterns = [
    path("", board.board_view, name="board"),
    path("board/<slug:key>/", board.board_section_view, name="board_section"),
    path("production/", production.production_list_view, name="production_list"),
    path("production/<int:pk>/", production.production_detail_view, name="production_detail"),
    path("production/<int:pk>/start/", production.production_start_view, name="production_start"),
    path(
        "production/<int:pk>/report/", production.production_report_view, name="production_report"
    ),
    path(
        "production/<int:pk>/finish/", production.production_finish_view, name="production_finish"
    ),
    path("orders/<int:pk>/plan/actual/", production.plan_actual_view, name="plan_actual"),
]
