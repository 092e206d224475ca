from django.urls import path

from yiyang.ledgers import views

app_name = "ledgers"
urlpatterns = [
    path("", views.index, name="index"),
    path("template.xlsx", views.template, name="template"),
    path("imports/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("imports/<int:pk>/decide/", views.decide, name="decide"),
    path("imports/<int:pk>/write-again/", views.write_again, name="write_again"),
    path("export/", views.export, name="export"),
    path("export/<uuid:job_id>/", views.export_detail, name="export_job"),
]
