from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yiyang.demo"
    label = "demo"
    verbose_name = "Demo county"
