from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trial import language, two_factor, views
from trial.forms_auth import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/coordinator/", views.dashboard_coordinator, name="dashboard_coordinator"),
    path("dashboard/investigator/", views.dashboard_investigator, name="dashboard_investigator"),
    path("dashboard/monitor/", views.dashboard_monitor, name="dashboard_monitor"),
    path("account/2fa/setup/", two_factor.setup, name="two_factor_setup"),
    path("account/2fa/verify/", two_factor.verify, name="two_factor_verify"),
    path("language/", language.language_switch, name="language_switch"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links (a 404 in every log otherwise).
    path("favicon.ico", views.favicon, name="favicon"),
    path("patients/", include("patients.urls")),
    path("screening/", include("screening.urls")),
    path("followup/", include("followup.urls")),
    path("", include("trial.audit.urls")),  # audit log, candidate history, data queries
    path("", include("trial.validation.urls")),  # the stored validation reports
    path("admin/", admin.site.urls),
]

handler500 = "trial.errors.server_error"
