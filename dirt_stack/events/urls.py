from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("events/<slug:slug>/", views.event_page, name="detail"),
    path("o/<slug:slug>/", views.organizer_page, name="organizer"),
]
