from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from notes import views

urlpatterns = [
    path("", views.index, name="index"),
    path("upload", views.upload, name="upload"),
    path("admin/", admin.site.urls),
    # /healthz is answered by mysite.health.HealthCheckMiddleware.
]

# In production a router serves STATIC_ROOT; this switch lets the app serve
# it itself (after collectstatic) when there is no router in front.
if settings.SERVE_STATIC:
    urlpatterns += [
        re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
