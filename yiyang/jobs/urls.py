from django.urls import path

from yiyang.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<uuid:job_id>/status/", views.status, name="status"),
    path("<uuid:job_id>/download/", views.download, name="download"),
]
