from django.urls import path

from yiyang.elders import views

app_name = "elders"

urlpatterns = [
    path("", views.elder_list, name="list"),
    path("new/", views.elder_create, name="create"),
    path("lookup/", views.elder_lookup, name="lookup"),
    path("stats/", views.elder_stats, name="stats"),
    path("export.csv", views.elder_export, name="export"),
    path("<int:pk>/", views.elder_detail, name="detail"),
    path("<int:pk>/edit/", views.elder_edit, name="edit"),
    path("<int:pk>/status/", views.elder_status, name="status"),
    path("<int:pk>/reveal/<str:field>/", views.elder_reveal, name="reveal"),
    path("<int:pk>/accounts/", views.elder_link_account, name="link_account"),
    path("<int:pk>/accounts/<int:grant_pk>/remove/", views.elder_unlink_account,
         name="unlink_account"),
    path("contacts/<int:pk>/reveal/", views.contact_reveal, name="contact_reveal"),
]
