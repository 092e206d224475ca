from django.contrib.auth import views as auth_views
from django.urls import include, path

from yiyang.api import api
from yiyang.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("regions/", core_views.region_tree, name="regions"),
    path("regions/<str:code>/", core_views.region_tree, name="region"),
    path("audit/", core_views.audit_log, name="audit"),
    path("elders/", include("yiyang.elders.urls")),
    path("assessment/", include("yiyang.assessment.urls")),
    path("jobs/", include("yiyang.jobs.urls")),
    path("ledgers/", include("yiyang.ledgers.urls")),
    path("services/", include("yiyang.services.urls")),
    path("alarms/", include("yiyang.alarms.urls")),
    path("dashboard/", include("yiyang.dashboard.urls")),
    path("accounts/", include("yiyang.accounts.urls")),
    path("api/v1/", api.urls),
]
