from django.db import models


class Item(models.Model):
    """A small table: the reference list reads 20 of these, the reference insert adds one."""

    name = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
