from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "leadbridge.people"
    label = "people"
