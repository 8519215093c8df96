from django.urls import path

from assistant import views

urlpatterns = [
    path("app/api/assistant", views.api_profile, name="app_api_assistant"),
    path("app/api/assistant/sync", views.api_sync, name="app_api_assistant_sync"),
]
