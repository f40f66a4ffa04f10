"""Desk pages for writing and publishing guidance (under /desk/)."""

from django.urls import path

from casework.guidance import views

urlpatterns = [
    path("guidance/", views.article_list, name="guidance"),
    path("guidance/new/", views.article_new, name="guidance_new"),
    path("guidance/<int:article_id>/", views.article_edit, name="guidance_edit"),
    path("guidance/<int:article_id>/publish/", views.article_publish, name="guidance_publish"),
    path("guidance/<int:article_id>/withdraw/", views.article_withdraw, name="guidance_withdraw"),
    path("guidance/<int:article_id>/reviewed/", views.article_reviewed, name="guidance_reviewed"),
]
