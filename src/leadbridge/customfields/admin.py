from django.contrib import admin

from .models import CustomFieldDefinition, RequiredField


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ("record_type", "key", "label", "type", "required", "order")
    list_filter = ("record_type", "type")


@admin.register(RequiredField)
class RequiredFieldAdmin(admin.ModelAdmin):
    list_display = ("record_type", "field")
