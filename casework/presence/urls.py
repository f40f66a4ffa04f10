"""Route for the enquiry page's presence call (under /desk/)."""

from django.urls import path

from casework.presence import views

urlpatterns = [
    path("enquiries/<str:reference>/presence/", views.presence, name="enquiry_presence"),
]
