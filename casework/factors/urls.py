"""Routes for second factors (desk pages, under /desk/)."""

from django.urls import path

from casework.factors import views

urlpatterns = [
    path("sign-in/code/", views.factor_verify, name="factor_verify"),
    path("security/", views.security, name="factor_security"),
    path("security/authenticator/", views.authenticator, name="factor_authenticator"),
    path("security/authenticator/remove/", views.authenticator_remove, name="factor_remove"),
    path("security/recovery-codes/", views.recovery_codes, name="factor_recovery_codes"),
    path("security/staff/", views.staff_factors, name="factor_staff"),
    path("security/staff/<int:user_id>/reset/", views.factors_reset, name="factor_reset"),
]
