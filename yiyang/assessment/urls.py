from django.urls import path

from yiyang.assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("stats/", views.assessment_stats, name="stats"),
    path("new/<int:elder_pk>/", views.assessment_new, name="new"),
    path("condition/<int:elder_pk>/", views.condition_change, name="condition"),
    path("preview/<str:scale_code>/", views.preview, name="preview"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("<int:pk>/approve/", views.assessment_approve, name="approve"),
    path("<int:pk>/return/", views.assessment_return, name="return"),
    path("<int:pk>/discard/", views.assessment_discard, name="discard"),
    path("<int:pk>/report.pdf", views.assessment_report, name="report"),
]
