"""Routes for staff sessions (desk pages, under /desk/)."""

from django.urls import path

from casework.sessions import views

urlpatterns = [
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
