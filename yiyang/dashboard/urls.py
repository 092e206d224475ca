from django.urls import path

from yiyang.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("population/", views.population, name="population"),
    path("reports/", views.report_list, name="reports"),
]
