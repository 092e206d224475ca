from django.urls import path

from yiyang.services import views

app_name = "services"

urlpatterns = [
    path("", views.index, name="index"),
    path("orders/", views.order_list, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/change/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/do/<str:action>/", views.order_action, name="order_action"),
    path("orders/<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("today/", views.today, name="today"),
    path("visits/<int:pk>/", views.visit, name="visit"),
    path("review/", views.review, name="review"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("quality/", views.quality, name="quality"),
    path("catalogue/", views.catalogue_page, name="catalogue"),
    path("providers/", views.providers, name="providers"),
    path("caregivers/", views.caregivers, name="caregivers"),
    path("caregivers/<int:pk>/certificate/", views.certificate_add, name="certificate_add"),
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("elders/<int:elder_pk>/home/", views.elder_home, name="elder_home"),
    path("plans/", views.plans, name="plans"),
    path("plans/new/<int:elder_pk>/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/end/", views.plan_end, name="plan_end"),
    path("plans/<int:pk>/generate/", views.plan_generate, name="plan_generate"),
    path("settlements/", views.settlements, name="settlements"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement"),
    path("settlements/<int:pk>/export.<str:fmt>", views.settlement_export, name="settlement_export"),
]
