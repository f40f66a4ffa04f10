from django.urls import path

from enquiries import views

app_name = "enquiries"

urlpatterns = [
    path("enquire/", views.enquire, name="enquire"),
    path("enquire/submitted/", views.submitted, name="submitted"),
    path("track/<str:token>/", views.track, name="track"),
]
