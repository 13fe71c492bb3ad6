from django.urls import path

from bench.server.views import BareApi
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("bench/bare/", BareApi.as_view()), *app_urlpatterns]
