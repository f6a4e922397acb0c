from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_view, name="signup"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path(
        "password/reset/<uidb64>/<token>/", views.password_reset_confirm_view, name="password_reset_confirm"
    ),
    path("password/change/", views.password_change_view, name="password_change"),
]
