from django.urls import path

from yiyang.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_new, name="new"),
    path("me/", views.me, name="me"),
    path("<int:pk>/", views.account_edit, name="edit"),
    path("<int:pk>/reset-password/", views.account_reset, name="reset"),
]
