"""The framework's own ceiling on this machine: minimal DRF views behind the same JWT auth,
the same pagination and the same settings as the product (see bench/README.md)."""

from rest_framework import generics, serializers

from .models import Item


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name", "created_at"]


class ItemListView(generics.ListAPIView):
    queryset = Item.objects.order_by("id")
    serializer_class = ItemSerializer


class ItemCreateView(generics.CreateAPIView):
    serializer_class = ItemSerializer
