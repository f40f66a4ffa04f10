"""Route for the staff landing page (under /desk/)."""

from django.urls import path

from casework.home import views

urlpatterns = [path("home/", views.home, name="home")]
