"""The product's URLs plus the reference endpoints under /bench/ (never in core.urls)."""

from django.urls import path

from bench.reference import views
from core.urls import urlpatterns as product

urlpatterns = [
    *product,
    path("bench/reference/items/", views.ItemListView.as_view()),
    path("bench/reference/items/create/", views.ItemCreateView.as_view()),
]
