from django.urls import path

from casework.reports import api, views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("board.pdf", views.board_pdf, name="board_pdf"),
    path("<slug:name>/", views.report_page, name="report"),
    path("<slug:name>/<slug:table>.csv", views.report_csv, name="csv"),
]

# Under /api/v1/ (namespace ``api``), through ``casework.urls_api``.
api_urlpatterns = [
    path(f"reports/{name}/", view.as_view(), name=f"report-{name}")
    for name, view in api.VIEWS.items()
]
