"""Route for the style guide (under /desk/)."""

from django.urls import path

from casework.styleguide import views

urlpatterns = [path("styleguide/", views.styleguide, name="styleguide")]
