from django.urls import path

from casework.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("board.pdf", views.board_pdf, name="board_pdf"),
    path("<slug:name>/", views.report_page, name="report"),
    path("<slug:name>/<slug:table>.csv", views.report_csv, name="csv"),
]
