"""Routes for staff API tokens (desk pages, under /desk/)."""

from django.urls import path

from casework.tokens import views

urlpatterns = [
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
