from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from runstrong.accounts import views, views_export, views_settings, views_tokens

app_name = "accounts"
urlpatterns = [
    path("sign-up/", views.sign_up, name="sign_up"),
    path("log-in/", views.LogInView.as_view(), name="login"),
    path("log-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("logged-out/", views.logged_out, name="logged_out"),
    path("me/", views.me, name="me"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views_tokens.token_create, name="token_create"),
    path("tokens/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("your-data/", views_export.your_data, name="your_data"),
    path("your-data/export/", views_export.export_download, name="export_download"),
    path("your-data/import/", views_export.import_upload, name="import_upload"),
    path("email/", views_settings.email_change, name="email_change"),
    path("email/confirm/<str:token>/", views_settings.email_confirm, name="email_confirm"),
    path("password/", views_settings.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        views_settings.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("delete/", views_settings.account_delete, name="delete"),
    path("deleted/", views_settings.account_deleted, name="deleted"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
