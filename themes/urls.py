from django.urls import path

from themes import views

urlpatterns = [
    path("app/theme", views.page, name="app_theme"),
    path("app/theme/install", views.install, name="app_theme_install"),
    path("app/theme/status", views.status, name="app_theme_status"),
    path("app/theme/themes", views.shop_themes, name="app_theme_themes"),
    path("themes/download/<str:token>", views.download, name="theme_download"),
]
