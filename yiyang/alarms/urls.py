from django.urls import path

from yiyang.alarms import views

app_name = "alarms"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/card/", views.card, name="card"),
    path("<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/call/", views.call, name="call"),
    path("<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:pk>/arrived/", views.arrived, name="arrived"),
    path("<int:pk>/close/", views.close, name="close"),
    path("r/<str:token>/", views.respond, name="respond"),
    path("devices/", views.devices, name="devices"),
    path("devices/import/", views.device_import, name="device_import"),
    path("devices/<int:pk>/", views.device_detail, name="device"),
    path("devices/<int:pk>/credential/", views.device_credential, name="device_credential"),
    path("work/<int:pk>/done/", views.work_item_done, name="work_item_done"),
    path("figures/", views.figures, name="figures"),
    path("ladders/", views.ladder_home, name="ladders"),
    path("ladders/<str:code>/", views.ladder, name="ladder"),
    path("ladders/<str:code>/delete/", views.ladder_delete, name="ladder_delete"),
    path("ladders/<str:code>/reveal/", views.ladder_reveal, name="ladder_reveal"),
    path("ladders/<str:code>/workers/<int:pk>/phone/", views.worker_phone, name="worker_phone"),
    path("workers/<int:pk>/reveal/", views.worker_reveal, name="worker_reveal"),
]
